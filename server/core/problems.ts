import { lineColumn } from './json-locate.js';
import { PROTOTYPE_KEYS, parseJsonText } from './json-text.js';

/** One thing wrong with a flow document, located precisely enough to show on the node concerned. */
export interface Problem {
  /** The node concerned, or null for the document itself. */
  nodeId: string | null;
  /** JSON pointer into the document, e.g. `/nodes/2/config/rate`. */
  path: string;
  message: string;
}

export class FlowInvalidError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.path || '/'}${p.nodeId ? ` (node ${p.nodeId})` : ''}: ${p.message}`).join('\n'));
    this.name = 'FlowInvalidError';
  }
}

/**
 * A JSON text from a user (a flow document, a request body) parsed within the limits of json-text.ts:
 * a syntax error is located by line and column (V8's messages on Node 20 mostly omit it), nesting past
 * the depth limit and `__proto__` keys are problems at their JSON pointer.
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  const parsed = parseJsonText(text, { forbiddenKeys: PROTOTYPE_KEYS });
  if (parsed.ok) return parsed;
  const { fault } = parsed;
  if (fault.path !== undefined) return { ok: false, problem: { nodeId: null, path: fault.path, message: fault.message } };
  const where = fault.offset === undefined ? undefined : lineColumn(text, fault.offset);
  const at = where ? ` at line ${where.line}, column ${where.column}` : '';
  return { ok: false, problem: { nodeId: null, path: '', message: fault.message.replace(/^not valid JSON/, `not valid JSON${at}`) } };
}
