import type { Problem } from '../core/problems.js';

/** Where commands write: stdout for results, stderr for diagnostics (tests can capture both). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => { process.stdout.write(`${line}\n`); },
  err: (line) => { process.stderr.write(`${line}\n`); },
};

/** `path (node id): message`, the same wording as FlowInvalidError, always on one line. */
export function problemLine(p: Problem): string {
  return `${p.path || '/'}${p.nodeId ? ` (node ${p.nodeId})` : ''}: ${p.message.replace(/\r?\n/g, ' ')}`;
}
