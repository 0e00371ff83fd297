import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord, Outputs } from '../server/core/types.js';
import { property } from './message/property.js';
import { compileValue, ValueKinds, valueProblems, type ValueReader } from './message/typed-value.js';

const Send = (title: string, kinds: string[], description: string) => Type.Object({
  kind: Type.Union([...kinds, ...ValueKinds].map((k) => Type.Literal(k)), { title: 'Kind', default: kinds[0], description }),
  value: Type.String({ title: 'Value', default: '', maxLength: 10_000, description: 'The literal or field path, for the value kinds.' }),
}, { title, description, additionalProperties: false });

const config = Type.Object({
  first: Send('First message', ['payload', 'none'], '`payload`: the record as it came; `none`: nothing; or a value that replaces the payload (`string`, `number`, `now`, …).'),
  second: Send('Then send', ['none', 'payload', 'latest'], '`none`; `payload`: the first record\'s payload; `latest`: the newest record received meanwhile, whole; or a value that replaces the payload.'),
  durationMs: Type.Integer({ title: 'After (ms)', default: 250, minimum: 0, maximum: 31 * 86_400_000, description: 'When the second message is sent; 0: wait until reset (nothing more is sent).' }),
  repeat: Type.Boolean({ title: 'Resend every interval', default: false, description: 'Send the first message again every `durationMs` until reset, instead of a second one.' }),
  extend: Type.Boolean({ title: 'Extend on new records', default: false, description: 'A record arriving while waiting restarts the wait (a "watchdog").' }),
  overrideDelay: Type.Boolean({ title: 'Delay from the record', default: false, description: 'Take the wait from the record\'s `delay` field (ms) when it has one.' }),
  resetPayload: Type.String({ title: 'Reset when payload is', default: '', maxLength: 1000, description: 'A record whose payload, as text, equals this resets the trigger (so does any record with a `reset` field); empty: only `reset`.' }),
  byTopic: Type.Boolean({ title: 'Separately per topic', default: false, description: 'Keep one trigger per value of `topicField`.' }),
  topicField: Type.String({ title: 'Topic field', default: 'topic', minLength: 1, maxLength: 1000, description: 'The field that tells topics apart.' }),
  secondPort: Type.Boolean({ title: 'Second message on out2', default: false, description: 'Send the second message by `out2` rather than `out`.' }),
}, { additionalProperties: false });

type Config = Static<typeof config>;
interface Armed {
  /** The record as the first message left (payload replaced by `first`'s value). */
  msg: DataRecord;
  /** The second payload, fixed when armed (or the latest record for `latest`). */
  second?: unknown;
  latest?: DataRecord;
  due: number | null;
  /** repeat: the interval. */
  every: number;
}

export default defineNode({
  type: 'trigger',
  category: 'process',
  label: 'trigger',
  inputs: { in: 'records' },
  outputs: { out: 'the first (and by default the second) message' },
  configOutputs: (cfg) => (cfg.secondPort ? ['out2'] : []),
  config,
  check: (cfg) => [
    ...(ValueKinds as readonly string[]).includes(cfg.first.kind) ? valueProblems(cfg.first as never, '/first') : [],
    ...(ValueKinds as readonly string[]).includes(cfg.second.kind) ? valueProblems(cfg.second as never, '/second') : [],
  ],
  docs: `Sends a message when a record arrives, then another after a while unless reset (Node-RED's trigger
node): a pulse (\`1\`, then \`0\` after 250 ms), a watchdog (with \`extend\`, the second message means "nothing
arrived for \`durationMs\`"), or a repeater (\`repeat\`).

While waiting, further records are ignored (with \`extend\` they restart the wait; with \`second: latest\`
the newest one is what is sent). A record with a \`reset\` field, or whose payload equals \`resetPayload\`,
stops the wait without sending. \`byTopic\` keeps one trigger per topic. Waits run on the journal's time:
they start at the batch's journal time and end on the flow's journaled ticks (\`settings.tickMs\`), so a
replay after a crash sends the same messages; the pending triggers are kept with every checkpoint.

Example, a sensor watchdog: \`{ "first": { "kind": "none" }, "second": { "kind": "string", "value": "silent" },
"durationMs": 600000, "extend": true, "byTopic": true }\``,

  create(cfg: Config) {
    const value = (v: { kind: string; value: string }): ValueReader | undefined => ((ValueKinds as readonly string[]).includes(v.kind) ? compileValue(v as never) : undefined);
    const firstValue = value(cfg.first);
    const secondValue = value(cfg.second);
    const topicOf = property(cfg.topicField);
    const secondPort = cfg.secondPort ? 'out2' : 'out';
    let armed = new Map<string, Armed>();

    const isReset = (r: DataRecord) => 'reset' in r
      || (cfg.resetPayload !== '' && r.payload !== undefined && r.payload !== null && String(r.payload) === cfg.resetPayload);
    const waitOf = (r: DataRecord) => {
      const d = Number.parseFloat(String(r.delay));
      return cfg.overrideDelay && 'delay' in r && !Number.isNaN(d) ? d : cfg.durationMs;
    };

    function secondMessage(a: Armed): DataRecord | undefined {
      if (cfg.second.kind === 'none') return undefined;
      if (cfg.second.kind === 'latest') return a.latest ?? a.msg;
      return { ...a.msg, payload: a.second };
    }

    return {
      process(batch, meta): Outputs {
        const outputs: { [port: string]: DataRecord[] } = { out: [], [secondPort]: [] };
        const scope = { now: meta.ts };
        for (const record of batch) {
          const topic = cfg.byTopic ? String(topicOf.get(record) ?? '_none') : '_none';
          if (isReset(record)) { armed.delete(topic); continue; }
          const wait = waitOf(record);
          const current = armed.get(topic);
          if (current && !cfg.repeat) {
            if (cfg.second.kind === 'latest') current.latest = record;
            if (cfg.extend && wait > 0) {
              // As Node-RED: the second message is then built on the record that extended the wait.
              current.due = meta.ts + wait;
              current.msg = record;
            }
            continue;
          }
          const first = cfg.first.kind === 'payload' || cfg.first.kind === 'none' ? record : { ...record, payload: firstValue!(record, scope) };
          const a: Armed = {
            msg: first, due: wait === 0 ? null : meta.ts + wait, every: wait,
            ...(cfg.second.kind === 'payload' ? { second: record.payload } : secondValue ? { second: secondValue(record, scope) } : {}),
            ...(cfg.second.kind === 'latest' ? { latest: record } : {}),
          };
          armed.set(topic, a);
          if (cfg.first.kind !== 'none') outputs.out!.push(first);
        }
        return outputs;
      },
      tick(now): Outputs {
        const outputs: { [port: string]: DataRecord[] } = { out: [], [secondPort]: [] };
        for (const [topic, a] of armed) {
          if (a.due === null || now < a.due) continue;
          if (cfg.repeat) {
            while (a.due <= now) {
              if (cfg.first.kind !== 'none') outputs.out!.push(cfg.first.kind === 'now' ? { ...a.msg, payload: a.due } : a.msg);
              a.due += a.every;
            }
            continue;
          }
          armed.delete(topic);
          const second = secondMessage(a);
          if (second) outputs[secondPort]!.push(second);
        }
        return outputs;
      },
      snapshot: () => [...armed],
      restore(state) {
        armed = new Map(Array.isArray(state) ? (state as [string, Armed][]) : []);
      },
    };
  },
});
