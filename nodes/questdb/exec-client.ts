import { UnavailableError } from '../../server/core/failure.js';
import type { QuestDbHttp } from './http.js';

/** QuestDB's `/exec` answer for a query: `{ query, columns: [{name, type}], dataset: [[…]], count }`. */
export interface ExecResult {
  columns: { name: string; type: string }[];
  dataset: unknown[][];
  count: number;
}

/** QuestDB answered the query with an error (`{ query, error, position }`), e.g. a missing table. */
export class QueryFailed extends Error {
  constructor(readonly status: number, readonly serverError: string) {
    super(`QuestDB query failed (${status}): ${serverError}`);
  }
}

/** QuestDB could not be reached or answered 5xx: a state to wait out, not a verdict on the config. */
export class Unreachable extends UnavailableError {}

export type Exec = (sql: string) => Promise<ExecResult>;

/** Runs SQL through QuestDB's HTTP `/exec`. */
export function execClient(http: QuestDbHttp): Exec {
  return async (sql) => {
    let status: number;
    let text: string;
    try {
      ({ status, body: text } = await http.request('GET', `/exec?query=${encodeURIComponent(sql)}`));
    } catch (err) {
      throw new Unreachable(`${(err as Error).message.replace('did not answer', 'is unreachable')}`);
    }
    if (status >= 500) throw new Unreachable(`QuestDB at ${http.address} answered ${status}: ${text.slice(0, 200)}`);
    let body: { error?: unknown; columns?: unknown; dataset?: unknown; count?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new QueryFailed(status, `not JSON: ${text.slice(0, 200)}`);
    }
    if (status !== 200 || body.error !== undefined) throw new QueryFailed(status, typeof body.error === 'string' ? body.error : text.slice(0, 200));
    return { columns: (body.columns ?? []) as ExecResult['columns'], dataset: (body.dataset ?? []) as unknown[][], count: Number(body.count ?? 0) };
  };
}
