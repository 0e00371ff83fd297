/**
 * Server-wide facilities a node may use beyond its own flow. The manager builds them once per server;
 * a node reaches them through `ctx.services`, never through module globals, so two servers in one
 * process (tests) stay apart. Interfaces only: the editor compiles these types without Node's.
 */
export interface NodeServices {
  /** HTTP routes under `/ingest/` that push sources (HTTP in) serve. */
  readonly ingress: IngressService;
  /** Alert history shared by every flow: alert nodes record into it, the API reads and acts on it. */
  readonly alerts: AlertService;
  /** Stored reports and their deliveries: report nodes keep what they render and send there, the API lists it. */
  readonly reports: ReportService;
}

export interface IngressRequest {
  method: string;
  /** The path below `/ingest/`, without query string. */
  path: string;
  query: { [key: string]: string };
  /** The part of the URL after `?`, as sent (empty when none). */
  search?: string;
  /** Lower-case header names, as Node's http module gives them. */
  headers: { [name: string]: string | string[] | undefined };
  /** The raw body as sent (still gzip-encoded when the sender compressed it); the handler bounds it. */
  body: AsyncIterable<Uint8Array>;
  remoteAddress: string;
}

export interface IngressResponse {
  status: number;
  headers?: { [name: string]: string };
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is instead of `body` (with the `content-type` of `headers`, or text/html as Node-RED does). */
  text?: string;
}

export type IngressHandler = (request: IngressRequest) => Promise<IngressResponse>;

export interface IngressService {
  /**
   * Serves `/ingest/<path>` until the returned function is called. Paths are unique per server:
   * registering a path in use throws, naming `owner` of the path (e.g. `node "in" of flow "f"`).
   */
  register(path: string, owner: string, handler: IngressHandler): () => void;
  /**
   * For push sources that answer with what their flow computes (HTTP in replying through HTTP response):
   * resolves with the reply given to `reply(id)`, or undefined after `timeoutMs`. Register before journaling
   * the request, so a fast flow cannot answer before anyone waits.
   */
  awaitReply(id: string, timeoutMs: number): Promise<IngressResponse | undefined>;
  /** Answers a waiting request; false when nobody waits any more (timed out, or the server restarted since). */
  reply(id: string, response: IngressResponse): boolean;
}

export type AlertState = 'firing' | 'acknowledged' | 'resolved';
export type AlertTransitionKind = 'fired' | 'acknowledged' | 'resolved';

/** One alert as stored: what fired, and who acknowledged and resolved it. Times are epoch ms. */
export interface Alert {
  /** Deterministic: `<flow>/<node>/<rule>/<sensor>/<firedAt>`, so a replayed fire finds the same alert. */
  id: string;
  flowId: string;
  nodeId: string;
  ruleId: string;
  sensor: string;
  severity: string;
  message: string;
  state: AlertState;
  firedAt: number;
  /** The value that fired the alert (for silence: how long the sensor had been quiet, in ms). */
  value: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgeNote: string | null;
  resolvedAt: number | null;
  /** `auto`: the condition cleared; `manual`: resolved through the API by `resolvedBy`. */
  resolution: 'auto' | 'manual' | null;
  resolvedBy: string | null;
  resolveNote: string | null;
  resolvedValue: number | null;
}

/** One step of an alert's life cycle; its id is `<alert id>/<kind>`, so recording it twice is a no-op. */
export interface AlertTransition {
  id: string;
  alertId: string;
  kind: AlertTransitionKind;
  at: number;
  by: string | null;
  note: string | null;
  value: number | null;
}

/** What an alert node decided: a fire or an automatic resolve, carrying everything the alert row needs. */
export interface AlertDecision extends Pick<Alert, 'flowId' | 'nodeId' | 'ruleId' | 'sensor' | 'severity' | 'message' | 'firedAt'> {
  kind: 'fired' | 'resolved';
  alertId: string;
  at: number;
  /** The value that fired or resolved the alert. */
  value: number | null;
}

/**
 * The server-wide alert history. Nodes record what they decide; people acknowledge and resolve through
 * the API. The store is the source of truth for acknowledgement and resolution: a node learns about hand
 * actions from `watch` and from the alert `record` returns.
 */
export interface AlertService {
  /**
   * Records a node's decision idempotently (a replay records the same transition again without effect)
   * and returns the alert as stored, which may already be acknowledged or resolved by hand.
   * An automatic resolve of an alert already resolved changes nothing.
   */
  record(decision: AlertDecision): Alert;
  get(alertId: string): Alert | undefined;
  /** Alerts newest first by firing time, narrowed to one flow and state when given (a dashboard's alert list). */
  list(query: { flow?: string; state?: AlertState; limit: number }): Alert[];
  /**
   * The flow's alerts open at some moment of [from, to) — fired before `to` and not resolved before `from` —
   * oldest first, each with its transitions (what a report documents).
   */
  during(query: { flow: string; from: number; to: number }): (Alert & { history: AlertTransition[] })[];
  /** Calls `listener` after each hand action on an alert of this node, until the returned function is called. */
  watch(flowId: string, nodeId: string, listener: (alert: Alert) => void): () => void;
}

/** A report document as stored: one edition of one report node's period, rendered once and kept. */
export interface ReportDocument {
  id: number;
  flowId: string;
  nodeId: string;
  /** The period key for a scheduled run (`2026-03-29`), with `-run<request id>` for one run on request. */
  edition: string;
  periodKey: string;
  periodFrom: number;
  periodTo: number;
  timeZone: string;
  kind: 'scheduled' | 'requested';
  /** Who asked for a run on request; null for scheduled runs. */
  requestedBy: string | null;
  title: string;
  /** The time the report describes the flow as of (the journaled tick or request that ran it). */
  asOf: number;
  /** When the PDF was stored (wall clock). */
  storedAt: number;
  fileName: string;
  bytes: number;
  pages: number;
  sha256: string;
  messageId: string;
  /** The mail's text, stored with the PDF so every send of the edition says the same. */
  mailText: string;
  /** Key figures for lists: alerts, exceedances, completeness. */
  summary: { [name: string]: number | string | null };
  deliveries: ReportDelivery[];
}

export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'failed';

/** One target of a document: `mail:<address>` or `webhook`. */
export interface ReportDelivery {
  target: string;
  state: DeliveryState;
  attempts: number;
  /** The server's answer of the last attempt (e.g. `250 2.0.0 Ok: queued`, or the reason it failed). */
  detail: string | null;
  at: number | null;
}

export type NewReportDocument = Omit<ReportDocument, 'id' | 'storedAt' | 'bytes' | 'sha256' | 'fileName' | 'deliveries'> & { targets: string[] };

/** A "Run now" asked through the API, picked up by the report node at its next journaled tick. */
export interface ReportRequest {
  id: number;
  flowId: string;
  nodeId: string;
  /** The period asked for; null: the last complete one at the time of the request. */
  periodKey: string | null;
  requestedBy: string;
  requestedAt: number;
}

/**
 * Where report nodes keep what they produce. The produced-once protocol rests on it: a document is stored
 * (fsynced) before any delivery starts, every attempt is marked before it starts and every delivery after
 * the server accepted it, so a node that runs a period again (a replay after a crash, a retry, a replayed
 * dead letter) finds the same document and sends the same bytes, to those who did not have it yet.
 */
export interface ReportService {
  document(flowId: string, nodeId: string, edition: string): ReportDocument | undefined;
  /** Writes the PDF below the data directory, then records it with one pending delivery per target; an edition stored before wins. */
  store(doc: NewReportDocument, pdf: Uint8Array): ReportDocument;
  pdf(documentId: number): Buffer;
  attempt(documentId: number, targets: string[]): void;
  /** Records the deliveries and writes `report.send` to the audit log. */
  delivered(documentId: number, targets: string[], detail: string): void;
  failed(documentId: number, targets: string[], reason: string): void;
  /** Run-now requests of a node made in [from, to), oldest first. */
  requests(flowId: string, nodeId: string, from: number, to: number): ReportRequest[];
  /** The flow's dead letters created before `before`, for the completeness section. */
  deadLetters(flowId: string, before: number): AsyncIterable<{ nodeId: string; createdAt: number; records: readonly { readonly [field: string]: unknown }[] }>;
}
