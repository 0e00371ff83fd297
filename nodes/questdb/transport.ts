import { SenderOptions, createTransport, type SenderTransport } from '@questdb/nodejs-client';
import type { QuestDbConfig } from './config.js';

/**
 * The HTTP side of the sink, through @questdb/nodejs-client's transport: one `send` is one
 * `POST /write?precision=n`, i.e. one QuestDB transaction.
 *
 * - `protocol_version=1` is pinned: the text form the sink writes is accepted by every version, and the
 *   client then never calls `GET /settings`, which throws while QuestDB is down (a deploy must succeed then).
 * - `retry_timeout` bounds the whole request including the client's own retries of connection errors
 *   and 5xx; beyond it the node's retry policy decides, with the sink's own copy of the rows.
 */
export interface QuestDbTransport {
  /** Resolves once QuestDB acknowledged (204); rejects with `WriteRejected` for a 4xx, any other Error otherwise. */
  send(body: Buffer): Promise<void>;
}

/** QuestDB refused the request for its content (4xx): retrying the same rows cannot succeed. */
export class WriteRejected extends Error {
  constructor(readonly status: number, readonly serverMessage: string, readonly line: number | undefined, readonly errorId: string | undefined) {
    super(`QuestDB answered ${status}: ${serverMessage}`);
  }
}

/** Characters of a value in the client's configuration string: `;` is written `;;`. */
const confValue = (v: string) => v.replaceAll(';', ';;');

export function clientConfString(cfg: QuestDbConfig): string {
  const url = new URL(cfg.address);
  const parts = [
    `${url.protocol.replace(':', '')}::addr=${url.host}`, 'protocol_version=1', `retry_timeout=${cfg.requestTimeoutMs}`,
    `request_timeout=${cfg.requestTimeoutMs}`, 'auto_flush=off',
  ];
  if (cfg.token !== undefined) parts.push(`token=${confValue(cfg.token)}`);
  if (cfg.username !== undefined) parts.push(`username=${confValue(cfg.username)}`, `password=${confValue(cfg.password ?? '')}`);
  if (url.protocol === 'https:') {
    if (!cfg.tlsVerify) parts.push('tls_verify=unsafe_off');
    if (cfg.tlsCa !== undefined) parts.push(`tls_ca=${confValue(cfg.tlsCa)}`);
  }
  return `${parts.join(';')};`;
}

const FAILED = /statusCode=(\d+), error=([\s\S]*)$/;

/** The client reports a non-204 answer only as text: `HTTP request failed, statusCode=400, error=<body>`. */
export function classify(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const m = FAILED.exec(message);
  if (!m) {
    const code = (err as { code?: unknown })?.code;
    return new Error(`QuestDB did not acknowledge: ${message}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  const status = Number(m[1]);
  const body = m[2]!;
  let serverMessage = body;
  let line: number | undefined;
  let errorId: string | undefined;
  try {
    const json = JSON.parse(body) as { message?: unknown; line?: unknown; errorId?: unknown };
    if (typeof json.message === 'string') serverMessage = json.message;
    if (typeof json.line === 'number' && Number.isInteger(json.line)) line = json.line;
    if (typeof json.errorId === 'string') errorId = json.errorId;
  } catch {
    // Not every answer is JSON (a proxy's HTML page, an empty body): the raw text is the message then.
    serverMessage = body.trim() || '(empty answer)';
  }
  if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 408 && status !== 429) {
    return new WriteRejected(status, serverMessage, line, errorId);
  }
  return new Error(`QuestDB answered ${status}: ${serverMessage}`);
}

export function openTransport(cfg: QuestDbConfig): QuestDbTransport {
  const options = new SenderOptions(clientConfString(cfg));
  const transport: SenderTransport = createTransport(options);
  return {
    async send(body) {
      try {
        await transport.send(body);
      } catch (err) {
        throw classify(err);
      }
    },
  };
}
