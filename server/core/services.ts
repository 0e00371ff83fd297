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
  /** Calls `listener` after each hand action on an alert of this node, until the returned function is called. */
  watch(flowId: string, nodeId: string, listener: (alert: Alert) => void): () => void;
}
