import type { Database, Statement } from 'better-sqlite3';
import type { DataRecord } from '../core/types.js';
import type { DeadLetter, DeadLetterState } from '../runtime/api.js';
import { whyNotJson } from './errors.js';
import type { NewDeadLetter } from './journal.js';

interface Row {
  id: number; node: string; offset: number; error: string; attempts: number;
  created_at: number; state: DeadLetterState; records: string;
}

/** Dead letters live in the journal's database so a replay and its journal entry commit together. */
export class DeadLetterStore {
  private readonly insert: Statement;
  private readonly byId: Statement;
  private readonly setState: Statement;
  private readonly countPending: Statement;

  constructor(private readonly db: Database, private readonly now: () => number) {
    // A crash replays the batch that failed, so the same (node, offset) can fail twice: keep the first.
    this.insert = db.prepare(`INSERT INTO dead_letters (node, offset, error, attempts, created_at, state, records)
      VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (node, offset) DO NOTHING`);
    this.byId = db.prepare(`SELECT * FROM dead_letters WHERE id = ?`);
    this.setState = db.prepare(`UPDATE dead_letters SET state = ?, state_at = ?, replay_offset = ? WHERE id = ? AND state = 'pending'`);
    this.countPending = db.prepare(`SELECT count(*) AS n FROM dead_letters WHERE state = 'pending'`);
  }

  add(letter: NewDeadLetter): void {
    let records: string;
    let error = letter.error;
    try {
      records = JSON.stringify(letter.records);
    } catch (err) {
      // Failing here would stop the flow on the very records it sets aside; the journal entry they came from stays.
      records = '[]';
      error = `${error}; the records cannot be kept as JSON (${whyNotJson(letter.records, err)}): they came from the journal entry at offset ${letter.offset}`;
    }
    this.insert.run(letter.node, letter.offset, error, letter.attempts, this.now(), records);
  }

  list(query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[] {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 10_000);
    const rows = query.state
      ? this.db.prepare(`SELECT * FROM dead_letters WHERE state = ? AND id > ? ORDER BY id LIMIT ?`).all(query.state, query.afterId ?? 0, limit)
      : this.db.prepare(`SELECT * FROM dead_letters WHERE id > ? ORDER BY id LIMIT ?`).all(query.afterId ?? 0, limit);
    return (rows as Row[]).map(toDeadLetter);
  }

  get(id: number): DeadLetter | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row && toDeadLetter(row);
  }

  pending(): number {
    return (this.countPending.get() as { n: number }).n;
  }

  /** Marks a pending letter; throws when it is not pending (already replayed or discarded). */
  mark(id: number, state: Exclude<DeadLetterState, 'pending'>, replayOffset: number | null): void {
    const changed = this.setState.run(state, this.now(), replayOffset, id).changes;
    if (changed === 0) {
      const current = this.get(id);
      throw new DeadLetterNotPendingError(id, current?.state);
    }
  }
}

export class DeadLetterNotPendingError extends Error {
  readonly code = 'DEAD_LETTER_NOT_PENDING';
  readonly statusCode = 409;
  constructor(readonly id: number, readonly state: DeadLetterState | undefined) {
    super(state ? `dead letter ${id} is already ${state}` : `no dead letter ${id}`);
  }
}

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: row.id, nodeId: row.node, offset: row.offset, error: row.error, attempts: row.attempts,
    createdAt: row.created_at, state: row.state, records: JSON.parse(row.records) as DataRecord[],
  };
}
