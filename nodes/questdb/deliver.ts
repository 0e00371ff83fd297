import { WriteRejected, type QuestDbTransport } from './transport.js';

/**
 * Encoded lines of one table as one string (appending is cheaper than joining lines later), where
 * each line ends, and the position of each line's record in the batch.
 */
export class TableRows {
  text = '';
  readonly ends: number[] = [];
  readonly indexes: number[] = [];

  add(line: string, index: number): void {
    this.text += line;
    this.ends.push(this.text.length);
    this.indexes.push(index);
  }

  line(position: number): string {
    return this.text.slice(position === 0 ? 0 : this.ends[position - 1], this.ends[position]);
  }
}

export interface Rejection {
  index: number;
  message: string;
  status: number;
  errorId: string | undefined;
}

/**
 * Request bodies are written into reused buffers: a fresh Buffer per request is external memory,
 * and allocating hundreds of kilobytes of it per request makes V8 collect far more often.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  async with<T>(text: string, use: (body: Buffer) => Promise<T>): Promise<T> {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const need = text.length * 3;
    let buf = this.free.pop();
    if (!buf || buf.length < need) buf = Buffer.allocUnsafe(Math.max(need, 64 * 1024));
    try {
      return await use(buf.subarray(0, buf.write(text, 'utf8')));
    } finally {
      this.free.push(buf);
    }
  }
}

/**
 * Sends the rows of one table in one request and resolves when QuestDB acknowledged every row it
 * accepts. A 400 rejects a whole request: the row QuestDB names by line number is rejected, the rows
 * before it are resent on their own and the rest carries on; without a usable line number the
 * request is bisected down to the bad rows. Any other failure rejects, and the caller's retry
 * rebuilds the request from the lines.
 */
export async function deliverRows(transport: QuestDbTransport, pool: BufferPool, rows: TableRows): Promise<Rejection[]> {
  const rejections: Rejection[] = [];
  await deliverChunk(transport, pool, rows, rows.indexes.map((_, i) => i), rejections);
  return rejections;
}

/** One request's text: every line, or (after a rejection) the lines at `positions`. */
function text(rows: TableRows, positions: readonly number[]): string {
  if (positions.length === rows.ends.length) return rows.text;
  return positions.map((p) => rows.line(p)).join('');
}

async function deliverChunk(transport: QuestDbTransport, pool: BufferPool, rows: TableRows, positions: readonly number[], rejections: Rejection[]): Promise<void> {
  let pending = positions;
  while (pending.length > 0) {
    try {
      await pool.with(text(rows, pending), (body) => transport.send(body));
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
        if (line > 1) await deliverChunk(transport, pool, rows, pending.slice(0, line - 1), rejections);
        pending = pending.slice(line);
      } else {
        const half = pending.length >> 1;
        await deliverChunk(transport, pool, rows, pending.slice(0, half), rejections);
        pending = pending.slice(half);
      }
    }
  }
}
