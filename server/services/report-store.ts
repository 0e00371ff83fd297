import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Database as Db, Statement } from 'better-sqlite3';
import { resolveUnder } from '../core/data-paths.js';
import { isSafeName, nameProblem } from '../core/names.js';
import type { DeliveryState, NewReportDocument, ReportDelivery, ReportDocument, ReportRequest, ReportService } from '../core/services.js';
import { NotFoundError } from '../runtime/errors.js';

interface DocumentRow {
  id: number; flow_id: string; node_id: string; edition: string; period_key: string; period_from: number; period_to: number;
  time_zone: string; kind: 'scheduled' | 'requested'; requested_by: string | null; title: string; as_of: number; stored_at: number;
  file_name: string; bytes: number; pages: number; sha256: string; message_id: string; mail_text: string; summary: string;
}

interface DeliveryRow { document_id: number; target: string; state: DeliveryState; attempts: number; detail: string | null; at: number | null }

interface RequestRow { id: number; flow_id: string; node_id: string; period_key: string | null; requested_by: string; requested_at: number }

const MIGRATIONS = [
  `CREATE TABLE report_documents (id INTEGER PRIMARY KEY, flow_id TEXT NOT NULL, node_id TEXT NOT NULL, edition TEXT NOT NULL,
     period_key TEXT NOT NULL, period_from INTEGER NOT NULL, period_to INTEGER NOT NULL, time_zone TEXT NOT NULL, kind TEXT NOT NULL,
     requested_by TEXT, title TEXT NOT NULL, as_of INTEGER NOT NULL, stored_at INTEGER NOT NULL, file_name TEXT NOT NULL,
     bytes INTEGER NOT NULL, pages INTEGER NOT NULL, sha256 TEXT NOT NULL, message_id TEXT NOT NULL, mail_text TEXT NOT NULL, summary TEXT NOT NULL,
     UNIQUE (flow_id, node_id, edition));
   CREATE TABLE report_deliveries (document_id INTEGER NOT NULL, target TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
     detail TEXT, at INTEGER, PRIMARY KEY (document_id, target));
   CREATE TABLE report_requests (id INTEGER PRIMARY KEY, flow_id TEXT NOT NULL, node_id TEXT NOT NULL, period_key TEXT,
     requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL);
   CREATE INDEX report_requests_node ON report_requests (flow_id, node_id, requested_at);`,
];

export interface ReportStoreOptions {
  /** `<data>/reports`: documents live at `<flow>/<node>/<edition>.pdf` below it. */
  dir: string;
  audit(entry: { actor: string; action: string; target: string; detail?: unknown }): void;
  deadLetters: ReportService['deadLetters'];
  now?: () => number;
}

export interface DocumentQuery {
  flow?: string;
  node?: string;
  /** Documents with an id below this (paging back). */
  before?: number;
  limit: number;
}

/**
 * Report documents, their deliveries and the run requests, in the server's `sluice.db`; the PDFs in
 * `<data>/reports/`. They are kept when a flow is deleted: a report sent to a client is a record of what
 * was said, and an auditor may ask for it after the flow that made it is gone.
 */
export class ReportStore implements ReportService {
  private readonly now: () => number;
  private readonly stmt: {
    document: Statement; byId: Statement; insert: Statement; delivery: Statement; deliveries: Statement; setDelivery: Statement;
    attempt: Statement; requests: Statement; request: Statement; addRequest: Statement;
  };

  private constructor(private readonly db: Db, private readonly options: ReportStoreOptions) {
    this.now = options.now ?? Date.now;
    this.stmt = {
      document: db.prepare('SELECT * FROM report_documents WHERE flow_id = ? AND node_id = ? AND edition = ?'),
      byId: db.prepare('SELECT * FROM report_documents WHERE id = ?'),
      insert: db.prepare(`INSERT INTO report_documents (flow_id, node_id, edition, period_key, period_from, period_to, time_zone, kind,
        requested_by, title, as_of, stored_at, file_name, bytes, pages, sha256, message_id, mail_text, summary)
        VALUES (@flowId, @nodeId, @edition, @periodKey, @periodFrom, @periodTo, @timeZone, @kind, @requestedBy, @title, @asOf, @storedAt,
        @fileName, @bytes, @pages, @sha256, @messageId, @mailText, @summary)`),
      delivery: db.prepare(`INSERT OR IGNORE INTO report_deliveries (document_id, target, state, attempts, detail, at) VALUES (?, ?, 'pending', 0, NULL, NULL)`),
      deliveries: db.prepare('SELECT * FROM report_deliveries WHERE document_id = ? ORDER BY rowid'),
      setDelivery: db.prepare(`UPDATE report_deliveries SET state = ?, detail = ?, at = ? WHERE document_id = ? AND target = ? AND state <> 'delivered'`),
      attempt: db.prepare(`UPDATE report_deliveries SET state = 'sending', attempts = attempts + 1, at = ? WHERE document_id = ? AND target = ? AND state <> 'delivered'`),
      requests: db.prepare('SELECT * FROM report_requests WHERE flow_id = ? AND node_id = ? AND requested_at >= ? AND requested_at < ? ORDER BY id'),
      request: db.prepare('SELECT * FROM report_requests WHERE id = ?'),
      addRequest: db.prepare('INSERT INTO report_requests (flow_id, node_id, period_key, requested_by, requested_at) VALUES (?, ?, ?, ?, ?)'),
    };
  }

  static open(db: Db, options: ReportStoreOptions): ReportStore {
    db.exec('CREATE TABLE IF NOT EXISTS report_migrations (version INTEGER PRIMARY KEY)');
    const done = (db.prepare('SELECT max(version) AS v FROM report_migrations').get() as { v: number | null }).v ?? 0;
    db.transaction(() => {
      for (let v = done + 1; v <= MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v - 1]!);
        db.prepare('INSERT INTO report_migrations (version) VALUES (?)').run(v);
      }
    })();
    return new ReportStore(db, options);
  }

  document(flowId: string, nodeId: string, edition: string): ReportDocument | undefined {
    const row = this.stmt.document.get(flowId, nodeId, edition) as DocumentRow | undefined;
    return row && this.toDocument(row);
  }

  byId(id: number): ReportDocument | undefined {
    const row = this.stmt.byId.get(id) as DocumentRow | undefined;
    return row && this.toDocument(row);
  }

  store(doc: NewReportDocument, pdf: Uint8Array): ReportDocument {
    const existing = this.document(doc.flowId, doc.nodeId, doc.edition);
    if (existing) return existing;
    if (!isSafeName(doc.edition)) throw new Error(`report edition "${doc.edition}": ${nameProblem(doc.edition)}`);
    const fileName = `${doc.edition}.pdf`;
    writeDurably(this.file(doc.flowId, doc.nodeId, fileName), pdf);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    // The file is on disk before its row: a row always has its bytes; a crash before the row renders again.
    const id = this.db.transaction(() => {
      const { targets, summary, ...fields } = doc;
      const rowId = Number(this.stmt.insert.run({ ...fields, summary: JSON.stringify(summary), storedAt: this.now(), fileName, bytes: pdf.byteLength, sha256 }).lastInsertRowid);
      for (const t of targets) this.stmt.delivery.run(rowId, t);
      return rowId;
    })();
    return this.byId(id)!;
  }

  pdf(documentId: number): Buffer {
    const doc = this.byId(documentId);
    if (!doc) throw new NotFoundError(`report document ${documentId}`);
    return readFileSync(this.file(doc.flowId, doc.nodeId, doc.fileName));
  }

  attempt(documentId: number, targets: string[]): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const t of targets) this.stmt.attempt.run(at, documentId, t);
    })();
  }

  delivered(documentId: number, targets: string[], detail: string): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const t of targets) this.stmt.setDelivery.run('delivered', detail, at, documentId, t);
    })();
    const doc = this.byId(documentId)!;
    this.options.audit({
      actor: `report:${doc.flowId}/${doc.nodeId}`, action: 'report.send', target: `${doc.flowId}/${doc.nodeId}/${doc.edition}`,
      detail: { to: targets, messageId: doc.messageId, sha256: doc.sha256, answer: detail },
    });
  }

  failed(documentId: number, targets: string[], reason: string): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const t of targets) this.stmt.setDelivery.run('failed', reason, at, documentId, t);
    })();
  }

  requests(flowId: string, nodeId: string, from: number, to: number): ReportRequest[] {
    return (this.stmt.requests.all(flowId, nodeId, from, to) as RequestRow[]).map(toRequest);
  }

  /** Records a "Run now"; the node picks it up at its next tick. */
  request(flowId: string, nodeId: string, periodKey: string | null, by: string): ReportRequest {
    const id = Number(this.stmt.addRequest.run(flowId, nodeId, periodKey, by, this.now()).lastInsertRowid);
    return toRequest(this.stmt.request.get(id) as RequestRow);
  }

  deadLetters(flowId: string, before: number) {
    return this.options.deadLetters(flowId, before);
  }

  /** Newest first. */
  list(q: DocumentQuery): ReportDocument[] {
    const rows = this.db.prepare(`SELECT * FROM report_documents WHERE (? IS NULL OR flow_id = ?) AND (? IS NULL OR node_id = ?) AND id < ?
      ORDER BY id DESC LIMIT ?`).all(q.flow ?? null, q.flow ?? null, q.node ?? null, q.node ?? null, q.before ?? Number.MAX_SAFE_INTEGER, q.limit) as DocumentRow[];
    return rows.map((r) => this.toDocument(r));
  }

  private file(flowId: string, nodeId: string, fileName: string): string {
    return resolveUnder(this.options.dir, flowId, nodeId, fileName);
  }

  private toDocument(r: DocumentRow): ReportDocument {
    const deliveries = (this.stmt.deliveries.all(r.id) as DeliveryRow[]).map((d): ReportDelivery => ({
      target: d.target, state: d.state, attempts: d.attempts, detail: d.detail, at: d.at,
    }));
    return {
      id: r.id, flowId: r.flow_id, nodeId: r.node_id, edition: r.edition, periodKey: r.period_key, periodFrom: r.period_from,
      periodTo: r.period_to, timeZone: r.time_zone, kind: r.kind, requestedBy: r.requested_by, title: r.title, asOf: r.as_of,
      storedAt: r.stored_at, fileName: r.file_name, bytes: r.bytes, pages: r.pages, sha256: r.sha256, messageId: r.message_id, mailText: r.mail_text,
      summary: JSON.parse(r.summary) as ReportDocument['summary'], deliveries,
    };
  }
}

function toRequest(r: RequestRow): ReportRequest {
  return { id: r.id, flowId: r.flow_id, nodeId: r.node_id, periodKey: r.period_key, requestedBy: r.requested_by, requestedAt: r.requested_at };
}

/** Written beside its final name, fsynced, renamed, and the directory fsynced: a crash leaves the old file or the new one. */
function writeDurably(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
