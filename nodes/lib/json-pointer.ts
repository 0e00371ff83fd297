/** Splits an RFC 6901 JSON pointer (`/data/items`) into its unescaped segments; '' is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `segments` in `doc`, or undefined when a step is missing. */
export function resolvePointer(doc: unknown, segments: readonly string[]): unknown {
  let v = doc;
  for (const segment of segments) {
    if (Array.isArray(v)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
      v = v[Number(segment)];
    } else if (v !== null && typeof v === 'object' && Object.hasOwn(v, segment)) {
      v = (v as { [k: string]: unknown })[segment];
    } else {
      return undefined;
    }
  }
  return v;
}
