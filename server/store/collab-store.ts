import type { Database as Db } from 'better-sqlite3';

/** What a collaboration room finds when it opens: the draft revision it last saved, and its Yjs updates. */
export interface CollabState {
  /** The draft revision the updates correspond to; another draft revision means the flow changed elsewhere. */
  draftRevision: number;
  updates: Uint8Array[];
}

/**
 * The Yjs document of each flow's draft, kept in `sluice.db` as the list of updates received since the last
 * compaction (one row each, so an edit is on disk as soon as it arrived).
 */
export class CollabStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS collab_docs (flow_id TEXT PRIMARY KEY, draft_rev INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS collab_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS collab_updates_flow ON collab_updates (flow_id, seq);
    `);
  }

  load(flowId: string): CollabState | undefined {
    const doc = this.db.prepare(`SELECT draft_rev FROM collab_docs WHERE flow_id = ?`).get(flowId) as { draft_rev: number } | undefined;
    if (!doc) return undefined;
    const rows = this.db.prepare(`SELECT data FROM collab_updates WHERE flow_id = ? ORDER BY seq`).all(flowId) as { data: Buffer }[];
    return { draftRevision: doc.draft_rev, updates: rows.map((r) => new Uint8Array(r.data)) };
  }

  append(flowId: string, update: Uint8Array): void {
    this.db.prepare(`INSERT INTO collab_updates (flow_id, data) VALUES (?, ?)`).run(flowId, Buffer.from(update));
  }

  /** Records that the document matches this draft revision (after a save or a reseed). */
  setDraftRevision(flowId: string, draftRevision: number): void {
    this.db.prepare(`INSERT INTO collab_docs (flow_id, draft_rev) VALUES (?, ?)
      ON CONFLICT (flow_id) DO UPDATE SET draft_rev = excluded.draft_rev`).run(flowId, draftRevision);
  }

  /** Replaces the updates by one equivalent state update, in one transaction. */
  compact(flowId: string, state: Uint8Array, draftRevision: number): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM collab_updates WHERE flow_id = ?`).run(flowId);
      this.append(flowId, state);
      this.setDraftRevision(flowId, draftRevision);
    })();
  }

  delete(flowId: string): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM collab_updates WHERE flow_id = ?`).run(flowId);
      this.db.prepare(`DELETE FROM collab_docs WHERE flow_id = ?`).run(flowId);
    })();
  }
}
