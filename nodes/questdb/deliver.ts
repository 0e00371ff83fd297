import { LineBuffer } from './line-buffer.js';
import { WriteRejected, type QuestDbTransport } from './transport.js';

/** Encoded lines of one table as one body, where each line ends, and the position of each line's record in the batch. */
export class TableRows extends LineBuffer {
  readonly ends: number[] = [];
  readonly indexes: number[] = [];

  /** Marks the end of the line just written, for the record at `index`. */
  endLine(index: number): void {
    this.ends.push(this.length);
    this.indexes.push(index);
  }

  line(position: number): Buffer {
    return this.buf.subarray(position === 0 ? 0 : this.ends[position - 1], this.ends[position]);
  }
}

export interface Rejection {
  index: number;
  message: string;
  status: number;
  errorId: string | undefined;
}

/**
 * Sends the rows of one table in one request and resolves when QuestDB acknowledged every row it
 * accepts. A 400 rejects a whole request: the row QuestDB names by line number is rejected, the rows
 * before it are resent on their own and the rest carries on; without a usable line number the
 * request is bisected down to the bad rows. Any other failure rejects, and the caller's retry
 * rebuilds the request from the lines.
 */
export async function deliverRows(transport: QuestDbTransport, rows: TableRows): Promise<Rejection[]> {
  const rejections: Rejection[] = [];
  await deliverChunk(transport, rows, rows.indexes.map((_, i) => i), rejections);
  return rejections;
}

/** One request's body: every line, or (after a rejection) the lines at `positions`. */
function body(rows: TableRows, positions: readonly number[]): Buffer {
  if (positions.length === rows.ends.length) return rows.buf.subarray(0, rows.length);
  return Buffer.concat(positions.map((p) => rows.line(p)));
}

async function deliverChunk(transport: QuestDbTransport, rows: TableRows, positions: readonly number[], rejections: Rejection[]): Promise<void> {
  let pending = positions;
  while (pending.length > 0) {
    try {
      await transport.send(body(rows, pending));
      return;
    } catch (err) {
      if (!(err instanceof WriteRejected)) throw err;
      const reject = (position: number): void => {
        rejections.push({ index: rows.indexes[position]!, message: err.serverMessage, status: err.status, errorId: err.errorId });
      };
      if (pending.length === 1) {
        reject(pending[0]!);
        return;
      }
      const line = err.line;
      if (line !== undefined && line >= 1 && line <= pending.length) {
        reject(pending[line - 1]!);
        if (line > 1) await deliverChunk(transport, rows, pending.slice(0, line - 1), rejections);
        pending = pending.slice(line);
      } else {
        const half = pending.length >> 1;
        await deliverChunk(transport, rows, pending.slice(0, half), rejections);
        pending = pending.slice(half);
      }
    }
  }
}
