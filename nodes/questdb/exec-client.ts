import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { QuestDbConfig } from './config.js';

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
export class Unreachable extends Error {}

export type Exec = (sql: string) => Promise<ExecResult>;

/** Runs SQL through QuestDB's HTTP `/exec`, with the sink's address, TLS and credentials. */
export function execClient(cfg: QuestDbConfig): Exec {
  const base = new URL(cfg.address);
  const secure = base.protocol === 'https:';
  const ca = secure && cfg.tlsCa !== undefined ? readFileSync(cfg.tlsCa) : undefined;
  const headers: { [k: string]: string } = {};
  if (cfg.token !== undefined) headers.authorization = `Bearer ${cfg.token}`;
  else if (cfg.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;

  return (sql) => new Promise<ExecResult>((resolve, reject) => {
    const url = new URL('/exec', base);
    url.searchParams.set('query', sql);
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: 'GET', headers, timeout: cfg.requestTimeoutMs, ...(secure ? { ca, rejectUnauthorized: cfg.tlsVerify } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new Unreachable(`QuestDB at ${cfg.address}: ${err.message}`)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status >= 500) return reject(new Unreachable(`QuestDB at ${cfg.address} answered ${status}: ${text.slice(0, 200)}`));
        let body: { error?: unknown; columns?: unknown; dataset?: unknown; count?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          return reject(new QueryFailed(status, `not JSON: ${text.slice(0, 200)}`));
        }
        if (status !== 200 || typeof body.error === 'string') return reject(new QueryFailed(status, String(body.error ?? text.slice(0, 200))));
        resolve({ columns: (body.columns ?? []) as ExecResult['columns'], dataset: (body.dataset ?? []) as unknown[][], count: Number(body.count ?? 0) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${cfg.requestTimeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Unreachable(`QuestDB at ${cfg.address} is unreachable: ${err.message}`)));
    req.end();
  });
}
