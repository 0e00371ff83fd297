import { Type } from '@sinclair/typebox';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { defineNode } from '../server/core/define-node.js';
import { gzipCorruption, isZlibError } from '../server/core/gzip-words.js';
import type { IngressRequest, IngressResponse } from '../server/core/services.js';
import type { ConfigProblem, DataRecord } from '../server/core/types.js';
import { CsvConfig, MaxRecordBytes, TimestampConfig, parseOptions } from './lib/record-format.js';
import { parseStream, type RecordFormat, type RowIssue } from './lib/records/index.js';
import { isJournalFull, isJournalUnavailable, isRecordsNotJson } from './lib/source-appender.js';
import { bodyPayload, requestFields } from './http/request-message.js';

const config = Type.Object({
  path: Type.String({ title: 'Path', default: '', pattern: '^[A-Za-z0-9._~/:-]*$', description: 'Served at `/ingest/<path>`; empty = `<flow id>/<node id>`. Unique per server. A segment `:name` matches any one segment (the flow sees it in `req.params.name`).' }),
  token: Type.Optional(Type.String({ title: 'Bearer token', minLength: 16, description: 'Bearer token senders must present: use a secret reference, e.g. `${secret:vendor_webhook}`.' })),
  public: Type.Boolean({ title: 'No authentication', default: false, description: 'Serve the path without a token, as Node-RED serves its HTTP in nodes: anyone who reaches the server may call it.' }),
  methods: Type.Array(Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))), { title: 'Methods', default: ['POST', 'PUT'], minItems: 1, uniqueItems: true, description: 'Methods answered; others get 405.' }),
  reply: Type.Union([Type.Literal('accepted'), Type.Literal('flow')], { title: 'Answer', default: 'accepted', description: '`accepted`: 202 once the records are journaled; `flow`: the request becomes one record `{ payload, req, res }` and an `http-response` node of the flow answers it.' }),
  replyTimeoutMs: Type.Integer({ title: 'Reply timeout (ms)', default: 30_000, minimum: 100, maximum: 600_000, description: '`flow`: answer 504 when no http-response node answered within this time.' }),
  maxBodyBytes: Type.Integer({ title: 'Max body (bytes)', default: 10 * 1024 * 1024, minimum: 1, maximum: 1024 ** 3, description: 'Largest body, after gzip decoding; a bigger one is answered 413.' }),
  csv: CsvConfig,
  timestamp: Type.Optional(TimestampConfig),
  maxRecordBytes: MaxRecordBytes,
  retryAfterS: Type.Integer({ title: 'Retry after (s)', default: 5, minimum: 1, maximum: 3600, description: '`Retry-After` sent with 503 when the journal is full.' }),
  maxProblems: Type.Integer({ title: 'Max problems', default: 10, minimum: 1, maximum: 1000, description: 'Problems listed in a 400 answer.' }),
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
  (broken JSON, JSON nested deeper than 64 levels or with a \`__proto__\` key, bad quoting, invalid UTF-8,
  wrong column count, bad timestamp or number): **nothing** of
  the body is journaled, so the sender can fix and resend the whole body without creating duplicates.
  (The FTP receiver differs: a file cannot be sent back, so its bad rows go to \`invalid\` and the good ones are kept.)
- \`400 {"error": "corrupt-gzip", "message": "the gzip body is corrupt: …"}\` for a gzip body that cannot be decompressed.
- \`401\` for a missing or wrong token (compared in constant time), \`413\` past \`maxBodyBytes\`,
  \`415\` for another content type, \`503\` with \`Retry-After\` while the journal is full (a sink is down) or, in
  cluster mode, while this server cannot reach NATS (nothing of the body was accepted: send it again, to any server).

A body is all or nothing: its records are one journal entry (in cluster mode, one entry unless it exceeds the
NATS servers' \`max_payload\`, when it is split). A sender that retries after a lost answer should send an
\`Idempotency-Key\` header (any text up to 200 characters, the same on every retry of one body): in cluster mode a
body whose key was journaled in the last 10 minutes is answered 202 and not journaled again.
Bodies in UTF-16 or UTF-32 (with a byte order mark, or recognised by their NUL bytes) are decoded; a number
beyond a double (\`1e400\`) is kept as \`{"$number": "1e400"}\`.

**Answered by the flow** (\`reply: "flow"\`, Node-RED's HTTP in → … → HTTP response): each request, of the
\`methods\` served (GET too), becomes one record \`{ payload, req: { method, url, path, query, params, headers,
cookies }, res: { reply } }\` (\`payload\`: the query for GET, else the body: JSON parsed, a form as an object,
text as text). It is journaled first; an \`http-response\` node further on answers it; without an answer
within \`replyTimeoutMs\` the sender gets 504. A request journaled just before a crash is processed after the
restart, but its sender has gone: nothing answers it (send it again; at least once). \`public: true\` serves the
path without a token, as Node-RED does.

Example: \`curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/x-ndjson" --data-binary @readings.ndjson http://127.0.0.1:8840/ingest/site-a\``,

  check(cfg) {
    const problems: ConfigProblem[] = [];
    // Clients resolve `.` and `..` in a URL before sending it: such a path would serve another node's URL.
    const dots = cfg.path.split('/').find((s) => s === '.' || s === '..');
    if (dots !== undefined) problems.push({ path: '/path', message: `the segment "${dots}" is resolved away by HTTP clients: an ingest path is names separated by "/"` });
    if (cfg.token === undefined && !cfg.public) problems.push({ path: '/token', message: 'set a token (a secret reference, e.g. "${secret:vendor_webhook}") or "public": true to serve the path without one' });
    return problems;
  },

  create(cfg, ctx) {
    const path = cfg.path || `${ctx.flowId}/${ctx.nodeId}`;
    const token = cfg.token === undefined ? undefined : digest(cfg.token);
    const methods = new Set(cfg.methods);
    let release: (() => void) | undefined;
    let accepted = 0;
    let requests = 0;

    function refused(req: IngressRequest): IngressResponse | undefined {
      if (!methods.has(req.method)) {
        return { status: 405, headers: { allow: cfg.methods.join(', ') }, body: { error: 'method-not-allowed', message: `${req.method} is not served here; allowed: ${cfg.methods.join(', ')}` } };
      }
      if (!token) return undefined;
      const auth = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization'));
      if (!auth || !timingSafeEqual(digest(auth[1]!.trim()), token)) {
        return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized', message: 'a valid bearer token is required' } };
      }
      return undefined;
    }

    async function handle(req: IngressRequest): Promise<IngressResponse> {
      const refusal = refused(req);
      if (refusal) return refusal;
      return cfg.reply === 'flow' ? handleExchange(req) : handleRecords(req);
    }

    async function readBody(req: IngressRequest): Promise<AsyncIterable<Uint8Array> | IngressResponse> {
      const length = Number(header(req, 'content-length') || 0);
      if (length > cfg.maxBodyBytes) return tooLarge();
      const encoding = header(req, 'content-encoding').toLowerCase();
      if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
        return { status: 415, body: { error: 'unsupported-encoding', message: 'Content-Encoding must be gzip or absent' } };
      }
      const raw = bounded(req.body, cfg.maxBodyBytes);
      return encoding === 'gzip' ? bounded(Readable.from(raw).pipe(createGunzip()), cfg.maxBodyBytes) : raw;
    }

    /** `reply: flow`: the request is one record; the answer is what an http-response node makes of it. */
    async function handleExchange(req: IngressRequest): Promise<IngressResponse> {
      const body = await readBody(req);
      if ('status' in body) return body;
      const chunks: Buffer[] = [];
      let payload: unknown;
      try {
        for await (const c of body) chunks.push(Buffer.from(c));
        payload = req.method === 'GET' ? { ...req.query } : bodyPayload(header(req, 'content-type'), Buffer.concat(chunks));
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        if (isZlibError(err)) return { status: 400, body: { error: 'corrupt-gzip', message: gzipCorruption(err) } };
        return { status: 400, body: { error: 'unreadable', message: err instanceof Error ? err.message : String(err) } };
      }
      const id = `${ctx.flowId}/${ctx.nodeId}/${randomUUID()}`;
      const answer = ctx.services.ingress.awaitReply(id, cfg.replyTimeoutMs);
      try {
        await ctx.append([{ payload, req: requestFields(req, path), res: { reply: id } } as DataRecord]);
      } catch (err) {
        ctx.services.ingress.reply(id, { status: 503 });
        await answer;
        if (isRecordsNotJson(err)) return { status: 400, body: { error: 'unparseable', message: `nothing was accepted: ${(err as Error).message}` } };
        if (isJournalFull(err)) return journalFull(err);
        throw err;
      }
      requests++;
      ctx.status({ state: 'running', text: `/ingest/${path} · ${requests} requests` });
      return (await answer) ?? { status: 504, body: { error: 'no-reply', message: `the flow did not answer within ${cfg.replyTimeoutMs} ms (is an http-response node wired after this node?)` } };
    }

    function journalFull(err: unknown): IngressResponse {
      ctx.status({ state: 'refused', text: (err as Error).message });
      return { status: 503, headers: { 'retry-after': String(cfg.retryAfterS) }, body: { error: 'journal-full', message: 'the flow cannot take more data now: retry later' } };
    }

    async function handleRecords(req: IngressRequest): Promise<IngressResponse> {
      const mime = header(req, 'content-type').split(';')[0]!.trim().toLowerCase();
      const format = FORMATS[mime];
      if (!format) return { status: 415, body: { error: 'unsupported-media-type', message: `Content-Type must be one of ${Object.keys(FORMATS).join(', ')}` } };
      const body = await readBody(req);
      if ('status' in body) return body;
      const records: DataRecord[] = [];
      const problems: RowIssue[] = [];
      try {
        await parseStream(body, parseOptions(format, cfg.csv, cfg.timestamp, cfg.maxRecordBytes), {
          record: (r) => { if (problems.length === 0) records.push(r); },
          invalid: (issue) => { if (problems.length < cfg.maxProblems) problems.push(issue); },
        });
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        if (isZlibError(err)) return { status: 400, body: { error: 'corrupt-gzip', message: gzipCorruption(err) } };
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
        // The same body would fail the same way: a 4xx, so the sender does not retry it forever.
        if (isRecordsNotJson(err)) return { status: 400, body: { error: 'unparseable', message: `nothing was accepted: ${(err as Error).message}` } };
        if (isJournalFull(err)) return journalFull(err);
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
