/**
 * Server-wide facilities a node may use beyond its own flow. The manager builds them once per server;
 * a node reaches them through `ctx.services`, never through module globals, so two servers in one
 * process (tests) stay apart. Interfaces only: the editor compiles these types without Node's.
 */
export interface NodeServices {
  /** HTTP routes under `/ingest/` that push sources (HTTP in) serve. */
  readonly ingress: IngressService;
}

export interface IngressRequest {
  method: string;
  /** The path below `/ingest/`, without query string. */
  path: string;
  query: { [key: string]: string };
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
}

export type IngressHandler = (request: IngressRequest) => Promise<IngressResponse>;

export interface IngressService {
  /**
   * Serves `/ingest/<path>` until the returned function is called. Paths are unique per server:
   * registering a path in use throws, naming `owner` of the path (e.g. `node "in" of flow "f"`).
   */
  register(path: string, owner: string, handler: IngressHandler): () => void;
}
