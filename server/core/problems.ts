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

/** JSON.parse with the error located by line and column. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const where = m ? lineColumn(text, Number(m[1])) : undefined;
    const at = where ? ` at line ${where.line}, column ${where.column}` : '';
    return { ok: false, problem: { nodeId: null, path: '', message: `not valid JSON${at}: ${message}` } };
  }
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  return { line, column: position - lineStart + 1 };
}
