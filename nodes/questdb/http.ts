import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { UnavailableError } from '../../server/core/failure.js';
import type { QuestDbConfig } from './config.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One QuestDB HTTP endpoint with the sink's address, TLS settings and credentials, over a keep-alive
 * agent of its own. Every request has a hard deadline and is never retried here: the node's retry
 * policy decides, and nothing keeps running after the promise settled (no request resent later
 * behind the sink's back, no body held in memory during an outage).
 */
export class QuestDbHttp {
  private readonly base: URL;
  private readonly secure: boolean;
  private readonly agent: HttpAgent;
  private readonly headers: { [k: string]: string } = {};

  constructor(private readonly cfg: QuestDbConfig, maxSockets: number) {
    this.base = new URL(cfg.address);
    this.secure = this.base.protocol === 'https:';
    this.agent = this.secure
      ? new HttpsAgent({ keepAlive: true, maxSockets, ca: cfg.tlsCa === undefined ? undefined : readFileSync(cfg.tlsCa), rejectUnauthorized: cfg.tlsVerify })
      : new HttpAgent({ keepAlive: true, maxSockets });
    if (cfg.token !== undefined) this.headers.authorization = `Bearer ${cfg.token}`;
    else if (cfg.username !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  }

  get address(): string {
    return this.cfg.address;
  }

  /** Resolves with any answer QuestDB gave; rejects only when there was none (connection error, deadline). */
  request(method: 'GET' | 'POST', path: string, body?: Buffer): Promise<HttpAnswer> {
    const timeoutMs = this.cfg.requestTimeoutMs;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const headers = body === undefined ? this.headers : { ...this.headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length) };
      const req = (this.secure ? httpsRequest : httpRequest)(new URL(path, this.base), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(err));
        res.on('end', () => {
          clearTimeout(deadline);
          const answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
          // The caller reuses the body's buffer once this settles: a server that answered before it read
          // the whole body must not get the next request's bytes as the rest of this one.
          if (req.writableFinished || req.destroyed) return resolve(answer);
          req.once('finish', () => resolve(answer));
          req.once('close', () => resolve(answer));
        });
      });
      const fail = (err: Error & { code?: string }): void => {
        clearTimeout(deadline);
        reject(new UnavailableError(`QuestDB at ${this.cfg.address} did not answer: ${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`));
      };
      const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
