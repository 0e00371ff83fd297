import Database, { type Database as Db, type Statement } from 'better-sqlite3';

export interface SeriesRow {
  id: number;
  quantity: string;
  sensor: string;
}

/** One window of one series: [start, end), its value (null: not a number) and the readings it stands for. */
export type WindowRow = [start: number, end: number, value: number | null, count: number];

interface PendingWindow {
  series: number;
  start: number;
  end: number;
  value: number | null;
  count: number;
}

export interface InvalidCount {
  sensor: string | null;
  quantity: string | null;
  reason: string;
  n: number;
}

export interface PendingInvalid {
  offset: number;
  idx: number;
  ts: number;
  sensor: string | null;
  quantity: string | null;
  reason: string;
}

/**
 * The rows a report node was fed (its flow's rollup windows) and the invalid readings wired into it, in
 * its own SQLite file in the node's data directory.
 *
 * - **Idempotent.** A window is keyed by (series, start): a replay after a crash writes it again without
 *   effect, and a window a rollup corrects with late readings replaces the earlier one. An invalid reading
 *   is keyed by its journal offset and place in the batch, so a replay counts it once.
 * - **Committed at checkpoint barriers** (and whenever a lot is pending), fsynced, so what the flow's
 *   checkpoint covers is on disk; a report flushes it before it reads.
 * - Series get their id in order of first appearance, which is also their colour on the charts (as on the
 *   dashboards, where a series keeps its colour across reloads).
 */
export class ReportDataStore {
  private readonly ids = new Map<string, number>();
  private readonly rows: SeriesRow[] = [];
  private readonly newSeries: SeriesRow[] = [];
  private pending: PendingWindow[] = [];
  private invalid: PendingInvalid[] = [];
  private readonly stmt: {
    window: Statement; series: Statement; invalid: Statement; windows: Statement; seen: Statement; invalidIn: Statement;
  };

  private constructor(private readonly db: Db) {
    this.stmt = {
      window: db.prepare(`INSERT INTO windows (series, start, end, value, count) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (series, start) DO UPDATE SET end = excluded.end, value = excluded.value, count = excluded.count`),
      series: db.prepare('INSERT OR IGNORE INTO series (id, quantity, sensor) VALUES (?, ?, ?)'),
      invalid: db.prepare('INSERT OR IGNORE INTO invalid (offset, idx, ts, sensor, quantity, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      windows: db.prepare('SELECT start, end, value, count FROM windows WHERE series = ? AND start >= ? AND start < ? ORDER BY start').raw(),
      seen: db.prepare('SELECT 1 FROM windows WHERE series = ? AND start >= ? AND start < ? LIMIT 1').pluck(),
      invalidIn: db.prepare('SELECT sensor, quantity, reason, count(*) AS n FROM invalid WHERE ts >= ? AND ts < ? AND offset < ? GROUP BY sensor, quantity, reason'),
    };
    for (const row of db.prepare('SELECT id, quantity, sensor FROM series ORDER BY id').all() as SeriesRow[]) {
      this.rows.push(row);
      this.ids.set(key(row.quantity, row.sensor), row.id);
    }
  }

  static open(file: string): ReportDataStore {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // A commit is a checkpoint barrier: fsyncing it keeps what the flow's checkpoint covers through a power cut.
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, quantity TEXT NOT NULL, sensor TEXT NOT NULL, UNIQUE (quantity, sensor));
      CREATE TABLE IF NOT EXISTS windows (series INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, value REAL,
        count INTEGER NOT NULL, PRIMARY KEY (series, start)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS invalid (offset INTEGER NOT NULL, idx INTEGER NOT NULL, ts INTEGER NOT NULL, sensor TEXT,
        quantity TEXT, reason TEXT NOT NULL, PRIMARY KEY (offset, idx)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS invalid_ts ON invalid (ts);
    `);
    return new ReportDataStore(db);
  }

  get seriesCount(): number {
    return this.rows.length;
  }

  get pendingRows(): number {
    return this.pending.length + this.invalid.length;
  }

  /** The series' id, made on first use; undefined once `max` series exist. */
  seriesId(quantity: string, sensor: string, max: number): number | undefined {
    const k = key(quantity, sensor);
    let id = this.ids.get(k);
    if (id !== undefined) return id;
    if (this.rows.length >= max) return undefined;
    id = this.rows.length + 1;
    const row = { id, quantity, sensor };
    this.ids.set(k, id);
    this.rows.push(row);
    this.newSeries.push(row);
    return id;
  }

  series(): readonly SeriesRow[] {
    return this.rows;
  }

  addWindow(series: number, start: number, end: number, value: number | null, count: number): void {
    this.pending.push({ series, start, end, value, count });
  }

  addInvalid(r: PendingInvalid): void {
    this.invalid.push(r);
  }

  commit(): void {
    if (this.pending.length === 0 && this.invalid.length === 0 && this.newSeries.length === 0) return;
    const [series, windows, invalid] = [this.newSeries.splice(0), this.pending, this.invalid];
    this.pending = [];
    this.invalid = [];
    try {
      this.db.transaction(() => {
        for (const s of series) this.stmt.series.run(s.id, s.quantity, s.sensor);
        for (const w of windows) this.stmt.window.run(w.series, w.start, w.end, w.value, w.count);
        for (const r of invalid) this.stmt.invalid.run(r.offset, r.idx, r.ts, r.sensor, r.quantity, r.reason);
      })();
    } catch (err) {
      // Kept for the next commit: the checkpoint waits, and nothing fed to the node is lost.
      this.newSeries.unshift(...series);
      this.pending = windows.concat(this.pending);
      this.invalid = invalid.concat(this.invalid);
      throw err;
    }
  }

  /** The series' windows starting in [from, to), in time order (read without building row objects). */
  windows(series: number, from: number, to: number): IterableIterator<WindowRow> {
    return this.stmt.windows.iterate(series, from, to) as IterableIterator<WindowRow>;
  }

  hasWindows(series: number, from: number, to: number): boolean {
    return this.stmt.seen.get(series, from, to) !== undefined;
  }

  /**
   * Invalid readings timed in [from, to) that reached the node from journal entries before `beforeOffset`, per
   * sensor and quantity (null: not readable) and reason.
   */
  invalidCounts(from: number, to: number, beforeOffset: number): InvalidCount[] {
    return this.stmt.invalidIn.all(from, to, beforeOffset) as InvalidCount[];
  }

  /** Forgets windows and invalid readings before `before`. */
  prune(before: number): void {
    this.db.prepare('DELETE FROM windows WHERE start < ?').run(before);
    this.db.prepare('DELETE FROM invalid WHERE ts < ?').run(before);
  }

  close(): void {
    this.db.close();
  }
}

const key = (quantity: string, sensor: string) => `${quantity}\u0000${sensor}`;
