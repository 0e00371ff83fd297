import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { IngressResponse } from '../server/core/services.js';
import type { DataRecord } from '../server/core/types.js';

const config = Type.Object({
  statusCode: Type.Integer({ title: 'Status code', default: 0, minimum: 0, maximum: 599, description: '0: the record\'s `statusCode`, else 200.' }),
  headers: Type.Record(Type.String(), Type.String(), { title: 'Headers', default: {}, description: 'Sent with every answer; the record\'s `headers` add to them (these win).' }),
}, { additionalProperties: false });

/** Node-RED's rules: objects as JSON, everything else as text (numbers as their digits, null as nothing). */
export function responseOf(record: DataRecord, cfg: { statusCode: number; headers: { [k: string]: string } }): IngressResponse {
  const fromRecord = record.headers !== null && typeof record.headers === 'object' ? record.headers as { [k: string]: unknown } : {};
  const headers: { [k: string]: string } = {};
  for (const [k, v] of Object.entries(fromRecord)) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(cfg.headers)) headers[k.toLowerCase()] = v;
  const status = cfg.statusCode || Number.parseInt(String(record.statusCode), 10) || 200;
  const p = record.payload;
  if (p !== null && typeof p === 'object') return { status, headers, body: p };
  return { status, headers, text: p === undefined || p === null ? '' : String(p) };
}

export default defineNode({
  type: 'http-response',
  category: 'sink',
  label: 'HTTP response',
  inputs: { in: 'records that came from an HTTP in node with reply: flow' },
  outputs: { unanswered: 'records whose request could not be answered: { record, reason, node }' },
  config,
  docs: `Answers the HTTP request a record came from (Node-RED's http response node): the record must carry the
\`res\` field an \`http-in\` node with \`reply: "flow"\` gave it.

The body is the record's \`payload\`: an object or array as JSON, anything else as text (\`text/html\`
unless a \`content-type\` header says otherwise). The status is \`statusCode\` from the config, else the
record's \`statusCode\`, else 200; headers come from the config and the record's \`headers\`.

A record whose request is gone (the sender timed out, or the server restarted since the request was
journaled), or that has no \`res\`, leaves by \`unanswered\` (kept as a dead letter when unwired): Node-RED
only logs a warning for those.

Example: \`{ "statusCode": 201, "headers": { "cache-control": "no-store" } }\``,

  create(cfg, ctx) {
    return {
      process(batch) {
        const unanswered: DataRecord[] = [];
        for (const record of batch) {
          const res = record.res as { reply?: unknown } | undefined;
          const id = res !== null && typeof res === 'object' && typeof res.reply === 'string' ? res.reply : undefined;
          const reason = id === undefined ? 'the record has no res.reply: it did not come from an http-in node with reply: flow'
            : ctx.services.ingress.reply(id, responseOf(record, cfg)) ? undefined : 'the request is no longer waiting (timed out, or the server restarted since)';
          if (reason) unanswered.push({ record, reason, node: ctx.nodeId });
        }
        return { unanswered };
      },
    };
  },
});
