import { jsonErrorOffset, lineColumn } from './json-locate.js';

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

/** JSON.parse with the error located by line and column (V8's messages on Node 20 mostly omit it). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const offset = jsonErrorOffset(text);
    const where = offset < 0 ? undefined : lineColumn(text, offset);
    const at = where ? ` at line ${where.line}, column ${where.column}` : '';
    // V8 quotes the start of the text; its line breaks would split a one-line problem report.
    const reason = (err as Error).message.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    return { ok: false, problem: { nodeId: null, path: '', message: `not valid JSON${at}: ${reason}` } };
  }
}
