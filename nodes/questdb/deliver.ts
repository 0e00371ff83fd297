import { WriteRejected, type QuestDbTransport } from './transport.js';

/** One encoded line and the position of its record in the batch. */
export interface Row {
  line: string;
  index: number;
}

export interface Rejection {
  index: number;
  message: string;
  status: number;
  errorId: string | undefined;
}

/**
 * Sends rows of one table in requests of at most `maxRows`, up to `maxInFlight` at a time, and
 * resolves when QuestDB acknowledged every row it accepts. A 400 rejects a whole request: the row
 * QuestDB names by line number is rejected, the rows before it are resent on their own and the
 * rest carries on; without a usable line number the request is bisected down to the bad rows.
 * Any other failure rejects, and the caller's retry rebuilds every request from the rows.
 */
export async function deliverRows(transport: QuestDbTransport, rows: readonly Row[], maxRows: number, maxInFlight: number): Promise<Rejection[]> {
  const rejections: Rejection[] = [];
  const chunks: Row[][] = [];
  for (let i = 0; i < rows.length; i += maxRows) chunks.push(rows.slice(i, i + maxRows) as Row[]);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await deliverChunk(transport, chunks[next++]!, rejections);
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, chunks.length) }, worker));
  return rejections.sort((a, b) => a.index - b.index);
}

function body(rows: readonly Row[]): Buffer {
  let text = '';
  for (let i = 0; i < rows.length; i++) text += rows[i]!.line;
  return Buffer.from(text, 'utf8');
}

async function deliverChunk(transport: QuestDbTransport, rows: readonly Row[], rejections: Rejection[]): Promise<void> {
  let pending = rows;
  while (pending.length > 0) {
    try {
      await transport.send(body(pending));
      return;
    } catch (err) {
      if (!(err instanceof WriteRejected)) throw err;
      const reject = (row: Row): void => {
        rejections.push({ index: row.index, message: err.serverMessage, status: err.status, errorId: err.errorId });
      };
      if (pending.length === 1) {
        reject(pending[0]!);
        return;
      }
      const line = err.line;
      if (line !== undefined && line >= 1 && line <= pending.length) {
        reject(pending[line - 1]!);
        if (line > 1) await deliverChunk(transport, pending.slice(0, line - 1), rejections);
        pending = pending.slice(line);
      } else {
        const half = pending.length >> 1;
        await deliverChunk(transport, pending.slice(0, half), rejections);
        pending = pending.slice(half);
      }
    }
  }
}
