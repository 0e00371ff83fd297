/** Where `${secret:NAME}` and `${env:NAME}` references in node configs are resolved at deploy. */
export interface SecretSource {
  get(kind: 'secret' | 'env', name: string): string | undefined;
}

const REFERENCE = /\$\{(secret|env):([A-Za-z0-9_.-]+)\}/g;

export interface UnresolvedReference {
  path: string;
  reference: string;
}

/**
 * Returns a copy of `value` with every reference in its strings replaced. A string that is exactly
 * one reference becomes the resolved text; missing names are collected with their JSON pointer.
 */
export function resolveReferences(value: unknown, secrets: SecretSource, path: string, missing: UnresolvedReference[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (whole, kind: 'secret' | 'env', name: string) => {
      const resolved = secrets.get(kind, name);
      if (resolved === undefined) { missing.push({ path, reference: whole }); return whole; }
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, secrets, `${path}/${i}`, missing));
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: unknown } = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, secrets, `${path}/${escapePointer(k)}`, missing);
    return out;
  }
  return value;
}

/** Every reference in the strings of `value`, with its JSON pointer, without resolving any. */
export function findReferences(value: unknown, path: string, found: UnresolvedReference[] = []): UnresolvedReference[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REFERENCE)) found.push({ path, reference: m[0] });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findReferences(v, `${path}/${i}`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findReferences(v, `${path}/${escapePointer(k)}`, found);
  }
  return found;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Secrets from the environment only: `${secret:NAME}` reads SLUICE_SECRET_NAME. */
export const environmentSecrets: SecretSource = {
  get(kind, name) {
    return kind === 'env' ? process.env[name] : process.env[`SLUICE_SECRET_${name}`];
  },
};
