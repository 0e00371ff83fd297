import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { HistogramAnswer, RangeAnswer, SeriesInfo, SeriesRange } from '../dashboard/answers.js';
import { M4 } from './m4.js';
import { PointRun, type RunSummary } from './point-run.js';

/** A chunk takes new points until it holds this many, or spans this long. */
const CHUNK_POINTS = 1024;
const CHUNK_SPAN_MS = 3_600_000;
/** Late points may grow a chunk up to this; past it, the chunk is split in two. */
const CHUNK_MAX_POINTS = 4 * CHUNK_POINTS;
/** Int32 millisecond offsets inside a chunk: a chunk never spans more than this. */
const CHUNK_MAX_SPAN_MS = 2 ** 31 - 1;

interface Chunk extends RunSummary {
  id: number;
  /** Loaded or being written; cleared after a commit, except for the open chunk of its series. */
  run: PointRun | undefined;
  dirty: boolean;
}

interface Series {
  id: number;
  key: string;
  /** Sorted by time, never overlapping. */
  chunks: Chunk[];
}

interface ChunkRow {
  id: number; series: number; first_ts: number; last_ts: number; n: number;
  first: number; last: number; min_ts: number; min: number; max_ts: number; max: number;
}

/**
 * The history of one chart widget, in its own SQLite file in the node's data directory: per series,
 * chunks of up to 1,024 points (12 bytes each) with the chunk's first, last, min and max kept beside it.
 *
 * - **Idempotent by (series, time).** A point at a time the series already holds replaces it, so a replay
 *   after a crash (which delivers points again) leaves the history as it was, and a corrected reading (a
 *   rollup window emitted again) shows its new value.
 * - **Writes** go to memory and reach the file with `commit()`: the widget commits at every checkpoint
 *   barrier (so whatever the checkpoint covers is stored, fsynced) and whenever a lot is pending.
 * - **Range queries** keep every pixel column's first, last, min and max (M4): a chunk inside one column
 *   counts by its summary, unread; only chunks that straddle columns are read.
 */
export class HistoryStore {
  private readonly series = new Map<string, Series>();
  private readonly byId: Series[] = [];
  private nextChunkId = 1;
  private pendingPoints = 0;
  private readonly removedChunks: number[] = [];
  /** Series rows to write or delete at the next commit, with the chunks, so the file never holds one without the other. */
  private readonly addedSeries: Series[] = [];
  private readonly removedSeries: number[] = [];
  private nextSeriesId = 1;
  private readonly stmt: { data: Statement; upsert: Statement; remove: Statement; addSeries: Statement; removeSeries: Statement };

  private constructor(private readonly db: Db) {
    this.stmt = {
      data: db.prepare('SELECT data FROM chunks WHERE id = ?').pluck(),
      upsert: db.prepare(`INSERT INTO chunks (id, series, first_ts, last_ts, n, first, last, min_ts, min, max_ts, max, data)
        VALUES (@id, @series, @firstTs, @lastTs, @n, @first, @last, @minTs, @min, @maxTs, @max, @data)
        ON CONFLICT (id) DO UPDATE SET first_ts = excluded.first_ts, last_ts = excluded.last_ts, n = excluded.n, first = excluded.first,
          last = excluded.last, min_ts = excluded.min_ts, min = excluded.min, max_ts = excluded.max_ts, max = excluded.max, data = excluded.data`),
      remove: db.prepare('DELETE FROM chunks WHERE id = ?'),
      addSeries: db.prepare('INSERT OR REPLACE INTO series (id, key) VALUES (?, ?)'),
      removeSeries: db.prepare('DELETE FROM series WHERE id = ?'),
    };
  }

  static open(file: string): HistoryStore {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // A commit is a checkpoint barrier (about once a second): fsyncing it costs little and keeps what the
    // flow's checkpoint covers on disk through a power cut.
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, series INTEGER NOT NULL, first_ts INTEGER NOT NULL,
        last_ts INTEGER NOT NULL, n INTEGER NOT NULL, first REAL NOT NULL, last REAL NOT NULL, min_ts INTEGER NOT NULL,
        min REAL NOT NULL, max_ts INTEGER NOT NULL, max REAL NOT NULL, data BLOB NOT NULL);
    `);
    const store = new HistoryStore(db);
    store.load();
    return store;
  }

  private load(): void {
    for (const { id, key } of this.db.prepare('SELECT id, key FROM series ORDER BY id').all() as { id: number; key: string }[]) {
      this.register(id, key);
    }
    const rows = this.db.prepare(`SELECT id, series, first_ts, last_ts, n, first, last, min_ts, min, max_ts, max
      FROM chunks ORDER BY series, first_ts`).all() as ChunkRow[];
    for (const r of rows) {
      this.byId[r.series]?.chunks.push({
        id: r.id, firstTs: r.first_ts, lastTs: r.last_ts, n: r.n, first: r.first, last: r.last,
        minTs: r.min_ts, min: r.min, maxTs: r.max_ts, max: r.max, run: undefined, dirty: false,
      });
      this.nextChunkId = Math.max(this.nextChunkId, r.id + 1);
    }
  }

  private register(id: number, key: string): Series {
    const s: Series = { id, key, chunks: [] };
    this.series.set(key, s);
    this.byId[id] = s;
    this.nextSeriesId = Math.max(this.nextSeriesId, id + 1);
    return s;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** Points written but not yet committed. */
  get pending(): number {
    return this.pendingPoints;
  }

  /** Adds a point (the caller checked the series cap and the value); replaces the value at an equal time. */
  put(key: string, ts: number, v: number): void {
    const s = this.series.get(key) ?? this.addSeries(key);
    const chunks = s.chunks;
    const last = chunks[chunks.length - 1];
    if (last && ts > last.lastTs && last.n < CHUNK_POINTS && ts - last.firstTs < CHUNK_SPAN_MS) {
      // The common case: a newer point for the open chunk.
      const run = this.runOf(last);
      run.append(ts, v);
      last.lastTs = ts;
      last.last = v;
      last.n++;
      if (v < last.min) { last.min = v; last.minTs = ts; }
      if (v > last.max) { last.max = v; last.maxTs = ts; }
      last.dirty = true;
      this.pendingPoints++;
      return;
    }
    if (!last || ts > last.lastTs) {
      this.newChunk(s, chunks.length, ts, v);
      return;
    }
    this.putLate(s, ts, v);
  }

  private addSeries(key: string): Series {
    const s = this.register(this.nextSeriesId, key);
    this.addedSeries.push(s);
    return s;
  }

  private newChunk(s: Series, at: number, ts: number, v: number): void {
    const run = new PointRun();
    run.append(ts, v);
    const chunk: Chunk = { id: this.nextChunkId++, ...run.summary(), run, dirty: true };
    s.chunks.splice(at, 0, chunk);
    this.pendingPoints++;
  }

  /** A point older than the series' newest: into the chunk that spans it, or the nearest one. */
  private putLate(s: Series, ts: number, v: number): void {
    const chunks = s.chunks;
    // The last chunk starting at or before ts, else the first chunk.
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunks[mid]!.firstTs <= ts) lo = mid + 1;
      else hi = mid;
    }
    const index = Math.max(0, lo - 1);
    const chunk = chunks[index]!;
    const lastTs = Math.max(chunk.lastTs, ts);
    const firstTs = Math.min(chunk.firstTs, ts);
    if (lastTs - firstTs > CHUNK_MAX_SPAN_MS) {
      this.newChunk(s, ts < chunk.firstTs ? index : index + 1, ts, v);
      return;
    }
    const run = this.runOf(chunk);
    if (!run.put(ts, v)) return;
    Object.assign(chunk, run.summary());
    chunk.dirty = true;
    this.pendingPoints++;
    if (run.n > CHUNK_MAX_POINTS) {
      const rest = run.splitAt(run.n >>> 1);
      Object.assign(chunk, run.summary());
      chunks.splice(index + 1, 0, { id: this.nextChunkId++, ...rest.summary(), run: rest, dirty: true });
    }
  }

  private runOf(chunk: Chunk): PointRun {
    chunk.run ??= PointRun.decode(this.stmt.data.get(chunk.id) as Buffer, chunk.firstTs, chunk.n);
    return chunk.run;
  }

  /** Writes every changed chunk in one transaction; afterwards only the open chunk of each series stays in memory. */
  commit(): void {
    if (this.pendingPoints === 0 && this.removedChunks.length === 0 && this.removedSeries.length === 0) return;
    this.db.transaction(() => {
      for (const id of this.removedChunks) this.stmt.remove.run(id);
      for (const id of this.removedSeries) this.stmt.removeSeries.run(id);
      for (const s of this.addedSeries) if (this.series.get(s.key) === s) this.stmt.addSeries.run(s.id, s.key);
      for (const s of this.series.values()) {
        for (const c of s.chunks) {
          if (!c.dirty) continue;
          const { run, dirty: _dirty, ...summary } = c;
          this.stmt.upsert.run({ ...summary, series: s.id, data: run!.encode() });
        }
      }
    })();
    this.removedChunks.length = 0;
    this.removedSeries.length = 0;
    this.addedSeries.length = 0;
    this.pendingPoints = 0;
    for (const s of this.series.values()) {
      s.chunks.forEach((c, i) => {
        c.dirty = false;
        if (i < s.chunks.length - 1) c.run = undefined;
      });
    }
  }

  /** Drops points before `before` (retention), and series left without any; the number of series dropped. */
  prune(before: number): number {
    let dropped = 0;
    for (const s of [...this.series.values()]) {
      while (s.chunks.length > 0 && s.chunks[0]!.lastTs < before) this.removedChunks.push(s.chunks.shift()!.id);
      const head = s.chunks[0];
      if (head && head.firstTs < before) {
        const run = this.runOf(head);
        this.pendingPoints += run.dropBefore(before);
        Object.assign(head, run.summary());
        head.dirty = true;
      }
      if (s.chunks.length === 0) {
        this.series.delete(s.key);
        delete this.byId[s.id];
        this.removedSeries.push(s.id);
        dropped++;
      }
    }
    return dropped;
  }

  /** Every series with the size and span of its history. */
  list(): SeriesInfo[] {
    return [...this.series.values()].map((s) => {
      const first = s.chunks[0];
      const last = s.chunks[s.chunks.length - 1];
      return {
        key: s.key, color: colorOf(s), points: s.chunks.reduce((n, c) => n + c.n, 0),
        first: first?.firstTs ?? null, last: last?.lastTs ?? null, lastValue: last?.last ?? null,
      };
    });
  }

  colorOf(key: string): number | undefined {
    const s = this.series.get(key);
    return s && colorOf(s);
  }

  /**
   * [from, to) downsampled to `width` buckets per series (M4; `bars`: the largest point per bucket), for
   * the series named in `keys` (all when absent), in order of first appearance.
   */
  range(q: { from: number; to: number; width: number; keys?: readonly string[]; bars?: boolean }): RangeAnswer {
    const wanted = q.keys ? new Set(q.keys) : undefined;
    const ordered = [...this.series.values()].sort((a, b) => a.id - b.id);
    const series: SeriesRange[] = [];
    ordered.forEach((s) => {
      if (wanted && !wanted.has(s.key)) return;
      const m4 = new M4(q.from, q.to, q.width, q.bars);
      this.each(s, q.from, q.to, (c) => {
        if (m4.withinOneBucket(c.firstTs, c.lastTs)) {
          m4.addSummary(c);
          return;
        }
        this.points(c, (ts, v) => m4.add(ts, v));
      });
      const d = m4.result();
      if (d.points > 0 || wanted) series.push({ key: s.key, color: colorOf(s), ...d });
    });
    return { from: q.from, to: q.to, width: q.width, bucketMs: (q.to - q.from) / q.width, series };
  }

  /** How the values of one series in [from, to) spread over `buckets` equal buckets between min and max. */
  histogram(q: { key: string; from: number; to: number; buckets: number; min: number | null; max: number | null }): HistogramAnswer {
    const s = this.series.get(q.key);
    const values: Float64Array[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    if (s) {
      this.each(s, q.from, q.to, (c) => {
        const inRange: number[] = [];
        this.points(c, (t, v) => {
          if (t < q.from || t >= q.to) return;
          inRange.push(v);
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        });
        values.push(Float64Array.from(inRange));
      });
    }
    const min = q.min ?? (Number.isFinite(lo) ? lo : 0);
    let max = q.max ?? (Number.isFinite(hi) ? hi : 1);
    if (max <= min) max = min + 1;
    const width = (max - min) / q.buckets;
    const counts = new Array<number>(q.buckets).fill(0);
    let below = 0;
    let above = 0;
    for (const list of values) {
      for (const v of list) {
        if (v < min) below++;
        else if (v > max) above++;
        else counts[Math.min(q.buckets - 1, Math.floor((v - min) / width))]!++;
      }
    }
    return {
      series: q.key, from: q.from, to: q.to, below, above, count: counts.reduce((a, b) => a + b, 0) + below + above,
      buckets: counts.map((count, i) => ({ from: min + i * width, to: min + (i + 1) * width, count })),
    };
  }

  /** Calls `fn` for each chunk of the series that overlaps [from, to), oldest first. */
  private each(s: Series, from: number, to: number, fn: (c: Chunk) => void): void {
    const chunks = s.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunks[mid]!.lastTs < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < chunks.length && chunks[i]!.firstTs < to; i++) fn(chunks[i]!);
  }

  /** Calls `fn` with each point of a chunk, read in place from memory or the file (a query must not grow the store). */
  private points(c: Chunk, fn: (ts: number, v: number) => void): void {
    if (c.run) {
      const { ts, v, n } = c.run;
      for (let i = 0; i < n; i++) fn(ts[i]!, v[i]!);
      return;
    }
    const { values, offsets } = PointRun.view(this.stmt.data.get(c.id) as Buffer, c.n);
    const base = c.firstTs;
    for (let i = 0; i < c.n; i++) fn(base + offsets[i]!, values[i]!);
  }

  close(): void {
    this.db.close();
  }
}

/** Series ids grow with each new series: a colour index that never changes for a series. */
function colorOf(s: Series): number {
  return s.id - 1;
}
