import { UnavailableError } from '../../server/core/failure.js';
import type { QuestDbHttp } from './http.js';

/**
 * `POST /write?precision=n`: one request is one QuestDB transaction (one table per request, as
 * QuestDB is transactional per table only). Resolves on 204; rejects with `WriteRejected` when QuestDB
 * refused the content (4xx), with a plain Error for everything worth retrying (no answer, 5xx,
 * 401/403/408/429).
 */
export class WriteRejected extends Error {
  constructor(readonly status: number, readonly serverMessage: string, readonly line: number | undefined, readonly errorId: string | undefined) {
    super(`QuestDB answered ${status}: ${serverMessage}`);
  }
}

export interface QuestDbTransport {
  send(body: Buffer): Promise<void>;
}

const RETRYABLE_4XX = new Set([401, 403, 408, 429]);

/** QuestDB's error answer: `{"code":"invalid","message":"…","line":N,"errorId":"…"}`, or whatever a proxy sent. */
export function classify(status: number, body: string): Error {
  let serverMessage = body.trim() || '(empty answer)';
  let line: number | undefined;
  let errorId: string | undefined;
  try {
    const json = JSON.parse(body) as { message?: unknown; line?: unknown; errorId?: unknown };
    if (typeof json.message === 'string') serverMessage = json.message;
    if (typeof json.line === 'number' && Number.isInteger(json.line)) line = json.line;
    if (typeof json.errorId === 'string') errorId = json.errorId;
  } catch {
    // Not every answer is JSON (a proxy's HTML page, an empty body): the raw text is the message then.
  }
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) return new WriteRejected(status, serverMessage, line, errorId);
  // 5xx and the 4xx that mean "later": QuestDB is there but cannot take the rows now.
  return new UnavailableError(`QuestDB answered ${status}: ${serverMessage}`);
}

export function writeTransport(http: QuestDbHttp): QuestDbTransport {
  return {
    async send(body) {
      const answer = await http.request('POST', '/write?precision=n', body);
      if (answer.status !== 204) throw classify(answer.status, answer.body);
    },
  };
}
