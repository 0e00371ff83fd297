import { Type } from '@sinclair/typebox';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { defineNode } from '../server/core/define-node.js';
import type { IngressRequest, IngressResponse } from '../server/core/services.js';
import type { DataRecord } from '../server/core/types.js';
import { CsvConfig, MaxRecordBytes, TimestampConfig, parseOptions } from './lib/record-format.js';
import { parseStream, type RecordFormat, type RowIssue } from './lib/records/index.js';
import { isJournalFull, isJournalUnavailable } from './lib/source-appender.js';

const config = Type.Object({
  path: Type.String({ default: '', pattern: '^[A-Za-z0-9._~/-]*$', description: 'Served at `/ingest/<path>`; empty = `<flow id>/<node id>`. Unique per server.' }),
  token: Type.String({ minLength: 16, description: 'Bearer token senders must present: use a secret reference, e.g. `${secret:vendor_webhook}`.' }),
  maxBodyBytes: Type.Integer({ default: 10 * 1024 * 1024, minimum: 1, maximum: 1024 ** 3, description: 'Largest body, after gzip decoding; a bigger one is answered 413.' }),
  csv: CsvConfig,
  timestamp: Type.Optional(TimestampConfig),
  maxRecordBytes: MaxRecordBytes,
  retryAfterS: Type.Integer({ default: 5, minimum: 1, maximum: 3600, description: '`Retry-After` sent with 503 when the journal is full.' }),
  maxProblems: Type.Integer({ default: 10, minimum: 1, maximum: 1000, description: 'Problems listed in a 400 answer.' }),
}, { additionalProperties: false });

const FORMATS: { [mime: string]: RecordFormat } = {
  'application/json': 'json', 'text/json': 'json',
  'application/x-ndjson': 'ndjson', 'application/ndjson': 'ndjson', 'application/jsonl': 'ndjson', 'application/x-jsonlines': 'ndjson',
  'text/csv': 'csv', 'application/csv': 'csv',
};

class BodyTooLarge extends Error {}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const header = (req: IngressRequest, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

/** Counts bytes and stops past the limit, so neither a large body nor a gzip bomb is read to its end. */
async function* bounded(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > max) throw new BodyTooLarge();
    yield chunk;
  }
}

export default defineNode({
  type: 'http-in',
  category: 'source',
  label: 'HTTP in',
  inputs: {},
  outputs: { out: 'the records of each accepted body' },
  config,
  clusterMode: 'every-server',
  docs: `Receives records pushed over HTTP: vendors' webhooks, scripts, \`curl\`.

\`POST\` (or \`PUT\`) to \`/ingest/<path>\` with \`Authorization: Bearer <token>\` and a body whose
\`Content-Type\` says its format: \`application/json\` (one object or an array of objects),
\`application/x-ndjson\` (one object per line) or \`text/csv\` (read with the \`csv\` settings).
\`Content-Encoding: gzip\` is accepted. \`timestamp\` turns the time field into epoch milliseconds.

**Answers.**
- \`202 {"accepted": n}\` once the n records are committed to the journal (not before).
- \`400 {"error": "unparseable", "problems": [{ "line", "column", "reason" }]}\` when any row is bad
  (broken JSON, bad quoting, invalid UTF-8, wrong column count, bad timestamp or number): **nothing** of
  the body is journaled, so the sender can fix and resend the whole body without creating duplicates.
  (The FTP receiver differs: a file cannot be sent back, so its bad rows go to \`invalid\` and the good ones are kept.)
- \`401\` for a missing or wrong token (compared in constant time), \`413\` past \`maxBodyBytes\`,
  \`415\` for another content type, \`503\` with \`Retry-After\` while the journal is full (a sink is down) or, in
  cluster mode, while this server cannot reach NATS (nothing of the body was accepted: send it again, to any server).

A body is all or nothing: its records are one journal entry (in cluster mode, one entry unless it exceeds the
NATS servers' \`max_payload\`, when it is split). A sender that retries after a lost answer should send an
\`Idempotency-Key\` header (any text up to 200 characters, the same on every retry of one body): in cluster mode a
body whose key was journaled in the last 10 minutes is answered 202 and not journaled again.

Example: \`curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/x-ndjson" --data-binary @readings.ndjson http://127.0.0.1:8840/ingest/site-a\``,

  create(cfg, ctx) {
    const path = cfg.path || `${ctx.flowId}/${ctx.nodeId}`;
    const token = digest(cfg.token);
    let release: (() => void) | undefined;
    let accepted = 0;

    async function handle(req: IngressRequest): Promise<IngressResponse> {
      const auth = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization'));
      if (!auth || !timingSafeEqual(digest(auth[1]!.trim()), token)) {
        return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized', message: 'a valid bearer token is required' } };
      }
      const length = Number(header(req, 'content-length') || 0);
      if (length > cfg.maxBodyBytes) return tooLarge();
      const mime = header(req, 'content-type').split(';')[0]!.trim().toLowerCase();
      const format = FORMATS[mime];
      if (!format) return { status: 415, body: { error: 'unsupported-media-type', message: `Content-Type must be one of ${Object.keys(FORMATS).join(', ')}` } };
      const encoding = header(req, 'content-encoding').toLowerCase();
      if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
        return { status: 415, body: { error: 'unsupported-encoding', message: 'Content-Encoding must be gzip or absent' } };
      }
      const raw = bounded(req.body, cfg.maxBodyBytes);
      const body = encoding === 'gzip' ? bounded(Readable.from(raw).pipe(createGunzip()), cfg.maxBodyBytes) : raw;
      const records: DataRecord[] = [];
      const problems: RowIssue[] = [];
      try {
        await parseStream(body, parseOptions(format, cfg.csv, cfg.timestamp, cfg.maxRecordBytes), {
          record: (r) => { if (problems.length === 0) records.push(r); },
          invalid: (issue) => { if (problems.length < cfg.maxProblems) problems.push(issue); },
        });
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        return { status: 400, body: { error: 'unreadable', message: err instanceof Error ? err.message : String(err) } };
      }
      if (problems.length > 0) {
        return { status: 400, body: { error: 'unparseable', message: 'nothing was accepted: fix the body and send it again', problems: problems.map(({ line, column, reason }) => ({ line, column, reason })) } };
      }
      if (records.length === 0) return { status: 202, body: { accepted: 0 } };
      const key = header(req, 'idempotency-key').trim();
      if (key.length > 200) return { status: 400, body: { error: 'bad-idempotency-key', message: 'Idempotency-Key must be at most 200 characters' } };
      try {
        // A body sent again with the same Idempotency-Key (after a lost answer) is journaled once (cluster mode).
        await ctx.append(records, key === '' ? undefined : { id: createHash('sha256').update(key).digest('base64url'), redelivery: true });
      } catch (err) {
        if (isJournalFull(err)) {
          ctx.status({ state: 'refused', text: (err as Error).message });
          return { status: 503, headers: { 'retry-after': String(cfg.retryAfterS) }, body: { error: 'journal-full', message: 'the flow cannot take more data now: retry later' } };
        }
        if (isJournalUnavailable(err)) {
          ctx.status({ state: 'refused', text: (err as Error).message });
          return { status: 503, headers: { 'retry-after': String(cfg.retryAfterS) }, body: { error: 'journal-unavailable', message: 'the journal cannot be reached from this server now: retry later, or send to another server' } };
        }
        throw err;
      }
      accepted += records.length;
      ctx.status({ state: 'running', text: `/ingest/${path} · ${accepted} records` });
      return { status: 202, body: { accepted: records.length } };
    }

    function tooLarge(): IngressResponse {
      return { status: 413, body: { error: 'body-too-large', message: `the body exceeds ${cfg.maxBodyBytes} bytes` } };
    }

    return {
      start() {
        release = ctx.services.ingress.register(path, `node "${ctx.nodeId}" of flow "${ctx.flowId}"`, handle);
        ctx.status({ state: 'running', text: `/ingest/${path}` });
      },
      stop() {
        release?.();
        release = undefined;
      },
    };
  },
});
