import Database, { type Database as Db } from 'better-sqlite3';
import type { FlowDocument } from '../core/flow-format.js';
import type { RevisionInfo, StoredRevision } from '../runtime/api.js';

interface RevisionRow { flow_id: string; revision: number; created_at: number; doc: string }
interface FlowRow { id: string; name: string; draft_rev: number; deployed_rev: number | null }

/** Flows and their revisions in the data directory's `sluice.db`: one draft and one deployed revision per flow. */
export class FlowStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS flows (id TEXT PRIMARY KEY, name TEXT NOT NULL, draft_rev INTEGER NOT NULL,
        deployed_rev INTEGER, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS revisions (flow_id TEXT NOT NULL, revision INTEGER NOT NULL, created_at INTEGER NOT NULL,
        doc TEXT NOT NULL, PRIMARY KEY (flow_id, revision));
    `);
  }

  static open(path: string): { store: FlowStore; db: Db } {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return { store: new FlowStore(db), db };
  }

  list(): FlowRow[] {
    return this.db.prepare(`SELECT id, name, draft_rev, deployed_rev FROM flows ORDER BY id`).all() as FlowRow[];
  }

  flow(id: string): FlowRow | undefined {
    return this.db.prepare(`SELECT id, name, draft_rev, deployed_rev FROM flows WHERE id = ?`).get(id) as FlowRow | undefined;
  }

  /** Stores `doc` as the new draft, unless it equals the current draft. */
  saveDraft(doc: FlowDocument): StoredRevision {
    const text = JSON.stringify(doc);
    return this.db.transaction((): StoredRevision => {
      const current = this.flow(doc.id);
      if (current) {
        const draft = this.revision(doc.id, current.draft_rev)!;
        if (JSON.stringify(draft.doc) === text) return draft;
      }
      const revision = ((this.db.prepare(`SELECT max(revision) AS r FROM revisions WHERE flow_id = ?`).get(doc.id) as { r: number | null }).r ?? 0) + 1;
      const createdAt = Date.now();
      this.db.prepare(`INSERT INTO revisions (flow_id, revision, created_at, doc) VALUES (?, ?, ?, ?)`).run(doc.id, revision, createdAt, text);
      this.db.prepare(`INSERT INTO flows (id, name, draft_rev, deployed_rev, created_at) VALUES (?, ?, ?, NULL, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, draft_rev = excluded.draft_rev`).run(doc.id, doc.name ?? doc.id, revision, createdAt);
      return { flowId: doc.id, revision, createdAt, doc };
    })();
  }

  markDeployed(id: string, revision: number): void {
    this.db.prepare(`UPDATE flows SET deployed_rev = ? WHERE id = ?`).run(revision, id);
  }

  revision(id: string, revision: number): StoredRevision | undefined {
    const row = this.db.prepare(`SELECT * FROM revisions WHERE flow_id = ? AND revision = ?`).get(id, revision) as RevisionRow | undefined;
    return row && { flowId: row.flow_id, revision: row.revision, createdAt: row.created_at, doc: JSON.parse(row.doc) as FlowDocument };
  }

  revisions(id: string): RevisionInfo[] {
    const flow = this.flow(id);
    if (!flow) return [];
    const rows = this.db.prepare(`SELECT revision, created_at FROM revisions WHERE flow_id = ? ORDER BY revision DESC`).all(id) as RevisionRow[];
    return rows.map((r) => ({ revision: r.revision, createdAt: r.created_at, deployed: r.revision === flow.deployed_rev, draft: r.revision === flow.draft_rev }));
  }

  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM revisions WHERE flow_id = ?`).run(id);
      return this.db.prepare(`DELETE FROM flows WHERE id = ?`).run(id).changes > 0;
    })();
  }
}
