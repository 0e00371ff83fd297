import type { EventEmitter } from 'node:events';
import type { Problem } from '../core/problems.js';
import type { NodeRegistry } from '../core/registry.js';
import type { IngressHandler } from '../core/services.js';
import type { AuthStore } from '../auth/auth-store.js';
import type { CollabStore } from '../store/collab-store.js';
import type {
  Alert, AlertDetail, AlertQuery, ClusterView, DeadLetter, DeadLetterState, DebugMessage, FlowStatus, FlowSummary, JournalExport, ReportDocument,
  ReportInfo, ReportRequest, RevisionInfo, StoredRevision, WidgetInfo,
} from './api-types.js';

export type * from './api-types.js';

/**
 * The narrow surface the HTTP layer sees of the runtime (as Node-RED's editor-api sees `runtimeAPI`):
 * routes call these and never reach into journals, executors or SQL.
 */
export interface RuntimeApi {
  readonly registry: NodeRegistry;
  /** Emits `status` (StatusEvent), `debug` (DebugMessage) and `widget` (WidgetEvent). */
  readonly events: EventEmitter;
  /** The shared (Yjs) drafts of the editor, persisted next to the flows. */
  readonly collab: CollabStore;
  /** Users, sessions, API tokens and the audit log, persisted next to the flows. */
  readonly auth: AuthStore;

  listFlows(): FlowSummary[];
  /** The current draft, or undefined when the flow does not exist. */
  getDraft(flowId: string): StoredRevision | undefined;
  /** The deployed revision, or undefined. */
  getDeployed(flowId: string): StoredRevision | undefined;
  getRevision(flowId: string, revision: number): StoredRevision | undefined;
  listRevisions(flowId: string): RevisionInfo[];
  /** Stores a new draft revision. Throws FlowInvalidError when the document is not format 1 at all. */
  saveDraft(doc: unknown): StoredRevision;
  /** Stops the flow if it runs and deletes its draft, revisions, journal and dead letters. */
  deleteFlow(flowId: string): Promise<boolean>;
  /**
   * Validates the draft (or `doc`, which then becomes the draft when valid) and swaps it in
   * atomically. Throws FlowInvalidError with every problem; the running flow is untouched then.
   */
  deploy(flowId: string, doc?: unknown): Promise<StoredRevision>;
  /** Checks a document without storing it. */
  validate(doc: unknown): { ok: true } | { ok: false; problems: Problem[] };

  status(flowId: string): FlowStatus | undefined;
  nodeState(flowId: string, nodeId: string): unknown;
  deadLetters(flowId: string, query: { state?: DeadLetterState; limit?: number; afterId?: number }): Promise<DeadLetter[]>;
  /** Journals a replay of the dead letter into the node that failed; the dead letter becomes `replayed`. */
  replayDeadLetter(flowId: string, deadLetterId: number): Promise<void>;
  discardDeadLetter(flowId: string, deadLetterId: number): Promise<void>;
  /** Journal entries after `from` (exclusive), oldest first. */
  journal(flowId: string, from: number, limit: number): AsyncIterable<JournalExport>;
  debugMessages(flowId: string): DebugMessage[];
  /** Runs a node's named read-only query (see `NodeInstance.queries`). */
  queryNode(flowId: string, nodeId: string, name: string, params: { [key: string]: string }): unknown;
  /** The dashboard widgets of every running flow (nodes whose type declares `widget`). */
  widgets(): WidgetInfo[];
  /** One running node's widget, or undefined when the node is not a widget of a running flow. */
  widget(flowId: string, nodeId: string): WidgetInfo | undefined;
  /** Cluster mode: servers, partitions, owners, lease ages, lag; undefined on a single server. */
  clusterView(): Promise<ClusterView | undefined>;
  /** The report nodes of every running flow (nodes whose type declares `report`). */
  reports(): ReportInfo[];
  /** Stored report documents, newest first. */
  reportDocuments(query: { flow?: string; node?: string; before?: number; limit: number }): ReportDocument[];
  /** A stored document and its PDF; NotFoundError for an unknown id. */
  reportDocument(documentId: number): { document: ReportDocument; pdf: Buffer };
  /**
   * "Run now": records the request, which the node takes up at its next journaled tick. `periodKey` null runs the
   * last complete period. NotFoundError unless the node is a report of a running flow; ConflictError for a bad key.
   */
  requestReport(flowId: string, nodeId: string, by: string, periodKey: string | null): ReportRequest;
  /** The handler a running node registered for `/ingest/<path>`, if any. */
  ingress(path: string): IngressHandler | undefined;

  setSecret(name: string, value: string): void;
  secretNames(): string[];
  /** `text` with every secret value the server knows replaced: applied to whatever leaves the server. */
  redact(text: string): string;

  /** Alerts of every flow, newest first. */
  listAlerts(query: AlertQuery): Alert[];
  getAlert(alertId: string): AlertDetail | undefined;
  /** Throws NotFoundError for an unknown id, ConflictError unless the alert is firing. */
  acknowledgeAlert(alertId: string, by: string, note: string | null): AlertDetail;
  /** Throws NotFoundError for an unknown id, ConflictError when it is already resolved. */
  resolveAlert(alertId: string, by: string, note: string | null): AlertDetail;
}
