import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import { PermanentError } from '../server/core/failure.js';
import type { Batch, ConfigProblem, DataRecord } from '../server/core/types.js';
import { fieldGetter, type FieldGetter } from './lib/field-path.js';
import { httpFetch, HttpFailure, isRetryableStatus, redactUrl, statusMessage } from './lib/http-fetch.js';
import { encodeUrlValue, headerValue, parseTemplate, type Template } from './lib/template.js';

const config = Type.Object({
  url: Type.String({ title: 'URL', minLength: 1, description: 'URL template; {{field}} (or {field}, dotted paths) is replaced by the record\'s field, URL-encoded.' }),
  method: Type.Union([Type.Literal('POST'), Type.Literal('PUT')], { title: 'Method', default: 'POST', description: 'HTTP method.' }),
  mode: Type.Union([Type.Literal('batch'), Type.Literal('record')], { title: 'Mode', default: 'batch', description: 'batch: one JSON array per request; record: one request per record, its JSON object as the body.' }),
  maxBatch: Type.Integer({ title: 'Max batch', default: 1000, minimum: 1, description: 'batch: most records in one request.' }),
  headers: Type.Record(Type.String(), Type.String(), { title: 'Headers', default: {}, description: 'Request headers, templated like the URL (not encoded), e.g. { "Authorization": "Bearer ${secret:chat_token}" }.' }),
  timeoutMs: Type.Integer({ title: 'Timeout (ms)', default: 10_000, minimum: 1, description: 'Longest wait for a complete answer to one request.' }),
  retryableStatuses: Type.Array(Type.Integer({ minimum: 400, maximum: 499 }), { title: 'Retryable statuses', default: [408, 425, 429], description: '4xx statuses that mean "try later"; every other 4xx (and 3xx) is a permanent failure. 5xx is always retried.' }),
}, { additionalProperties: false });

type Config = typeof config.static;

interface Request {
  url: string;
  headers: { [name: string]: string };
  body: string;
  /** Indexes in the batch of the records this request carries. */
  records: number[];
  /** Set when the request cannot be built (a template field is missing): a permanent failure. */
  invalid?: string;
}

/** Which requests of a batch are settled, kept across the runtime's retries of that same batch. */
interface Progress {
  delivered: Set<number>;
  rejected: Map<number, string>;
}

/** A failure that retrying cannot fix (e.g. 400, 404): the runtime skips the remaining attempts. */
export class PermanentDeliveryError extends PermanentError {}

function check(cfg: Config): ConfigProblem[] {
  try {
    new URL(parseTemplate(cfg.url).render(() => 'x', encodeUrlValue));
    return [];
  } catch {
    return [{ path: '/url', message: `"${cfg.url}" is not an absolute URL` }];
  }
}

class RequestBuilder {
  private readonly url: Template;
  private readonly headers: [string, Template][];
  private readonly getters = new Map<string, FieldGetter>();
  private readonly contentType: { [name: string]: string };

  constructor(private readonly cfg: Config) {
    this.url = parseTemplate(cfg.url);
    this.headers = Object.entries(cfg.headers).map(([name, value]) => [name, parseTemplate(value)]);
    // Header names are case-insensitive: a default next to the user's own Content-Type would be sent as a list.
    this.contentType = Object.keys(cfg.headers).some((n) => n.toLowerCase() === 'content-type') ? {} : { 'content-type': 'application/json' };
  }

  build(batch: Batch): Request[] {
    const groups = new Map<string, Request>();
    const requests: Request[] = [];
    batch.forEach((record, i) => {
      const target = this.target(record, i);
      if (this.cfg.mode === 'record' || target.invalid) {
        requests.push({ ...target, body: JSON.stringify(record), records: [i] });
        return;
      }
      // Records bound for the same URL and headers share requests, in batch order.
      const key = `${target.url}\n${JSON.stringify(target.headers)}`;
      let open = groups.get(key);
      if (!open || open.records.length >= this.cfg.maxBatch) {
        open = { ...target, body: '', records: [] };
        groups.set(key, open);
        requests.push(open);
      }
      open.records.push(i);
    });
    for (const r of requests) {
      if (this.cfg.mode === 'batch' && !r.invalid) r.body = `[${r.records.map((i) => JSON.stringify(batch[i])).join(',')}]`;
    }
    return requests;
  }

  private target(record: DataRecord, index: number): Pick<Request, 'url' | 'headers' | 'invalid'> {
    const lookup = (name: string): unknown => this.getter(name)(record);
    try {
      return {
        url: this.url.render(lookup, encodeUrlValue),
        headers: { ...this.contentType, ...Object.fromEntries(this.headers.map(([n, t]) => [n, t.render(lookup, headerValue)])) },
      };
    } catch (err) {
      return { url: this.cfg.url, headers: {}, invalid: `record ${index}: ${(err as Error).message}` };
    }
  }

  private getter(name: string): FieldGetter {
    let g = this.getters.get(name);
    if (!g) this.getters.set(name, (g = fieldGetter(name)));
    return g;
  }
}

export default defineNode({
  type: 'webhook',
  category: 'sink',
  label: 'webhook',
  inputs: { in: 'records to send' },
  outputs: {},
  config,
  check,
  retry: { maxAttempts: 5, backoffMs: 500, maxBackoffMs: 30_000, jitter: 0.2 },
  docs: `Sends records to an HTTP endpoint (chat, incident tool, another service) with \`POST\` or \`PUT\`.

**Body.** \`mode: "batch"\`: one JSON array per request, at most \`maxBatch\` records; records whose URL and
headers render the same share a request, in order. \`mode: "record"\`: one request per record, its JSON object as
the body, sent one after the other (order is kept). \`content-type: application/json\` unless a header overrides it.

**Templates.** \`url\` and \`headers\` take \`{{field}}\` or \`{field}\` (dotted paths) from the record, URL-encoded
in the URL: \`https://chat.example/hooks/{{team}}?alert={{alert.id}}\`. Secrets are references resolved at deploy:
\`"headers": { "Authorization": "Bearer \${secret:chat_token}" }\`.

**Guarantees.** A batch is acknowledged only when every request got a 2xx. A timeout, a connection error, a 5xx
or a status in \`retryableStatuses\` (408, 425, 429) fails the batch: the runtime retries it with the node's retry
policy, and requests already answered 2xx are not sent again in those retries. Delivery is at least once:
after a restart a batch may be sent again, so give receivers a key to deduplicate on.

**Permanent failures.** Any other 4xx, a 3xx (redirects are not followed) or a record missing a template field
is permanent: that request is never sent again, the rest of the batch is still delivered, and the batch then
fails at once, without the remaining attempts, to \`error\` (when wired) or to the dead letters. Those records carry the whole batch, delivered records included; the error text names the
failed requests (\`record 3 of 10: POST https://… answered HTTP 400 Bad Request: <body excerpt>\`).

Example (alert state changes to a chat tool): \`{ "url": "https://chat.example/hooks/{{channel}}",
"mode": "record", "headers": { "Authorization": "Bearer \${secret:chat_token}" } }\``,

  create(cfg, ctx) {
    const builder = new RequestBuilder(cfg);
    const progress = new WeakMap<Batch, Progress>();

    async function send(req: Request, index: number, memo: Progress, total: number): Promise<string | undefined> {
      const where = `${cfg.method} ${redactUrl(req.url)}`;
      const which = cfg.mode === 'record' ? `record ${req.records[0]} of ${total}` : `request ${index + 1} (${req.records.length} records)`;
      if (req.invalid) {
        memo.rejected.set(index, req.invalid);
        return undefined;
      }
      try {
        const res = await httpFetch({ url: req.url, method: cfg.method, headers: req.headers, body: req.body, timeoutMs: cfg.timeoutMs, signal: ctx.signal });
        if (res.status >= 200 && res.status < 300) {
          memo.delivered.add(index);
          return undefined;
        }
        if (isRetryableStatus(res.status, cfg.retryableStatuses)) return `${which}: ${where} answered ${statusMessage(res)}`;
        memo.rejected.set(index, `${which}: ${where} answered ${statusMessage(res)}`);
        return undefined;
      } catch (err) {
        if (err instanceof HttpFailure) return `${which}: ${where}: ${err.message}`;
        throw err;
      }
    }

    return {
      async process(batch) {
        const requests = builder.build(batch);
        let memo = progress.get(batch);
        if (!memo) progress.set(batch, (memo = { delivered: new Set(), rejected: new Map() }));
        for (let i = 0; i < requests.length; i++) {
          if (memo.delivered.has(i) || memo.rejected.has(i)) continue;
          // Stop at the first retryable failure: later requests wait, so the receiver sees them in order.
          const retryable = await send(requests[i]!, i, memo, batch.length);
          if (retryable) throw new Error(`${retryable}; ${memo.delivered.size} of ${requests.length} requests delivered`);
        }
        if (memo.rejected.size > 0) {
          const reasons = [...memo.rejected.values()];
          throw new PermanentDeliveryError(`permanent failure, not sent again: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? `; and ${reasons.length - 3} more` : ''}; ${memo.delivered.size} of ${requests.length} requests delivered`);
        }
      },
    };
  },
});
