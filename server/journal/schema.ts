import type { Database } from 'better-sqlite3';

const VERSION = 1;

/** Creates or checks the journal's tables. Offsets are assigned by the journal, never by SQLite. */
export function migrate(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS entries (
      offset INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, node TEXT NOT NULL,
      port TEXT NOT NULL, count INTEGER NOT NULL, cum_bytes INTEGER NOT NULL, payload TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS source_state (node TEXT PRIMARY KEY, state TEXT NOT NULL, offset INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS checkpoint (
      id INTEGER PRIMARY KEY CHECK (id = 1), offset INTEGER NOT NULL, cum_bytes INTEGER NOT NULL,
      at INTEGER NOT NULL, snapshots TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL, offset INTEGER NOT NULL, error TEXT NOT NULL,
      attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL, state_at INTEGER,
      replay_offset INTEGER, records TEXT NOT NULL, UNIQUE (node, offset));
    CREATE INDEX IF NOT EXISTS dead_letters_state ON dead_letters (state, id);
  `);
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'version'`).get() as { value: string } | undefined;
  if (!row) db.prepare(`INSERT INTO meta (key, value) VALUES ('version', ?)`).run(String(VERSION));
  else if (Number(row.value) !== VERSION) throw new Error(`journal format ${row.value} is not supported (expected ${VERSION})`);
}
