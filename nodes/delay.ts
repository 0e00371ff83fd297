import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord, NodeContext, Outputs } from '../server/core/types.js';
import { uniform } from './lib/prng.js';

const config = Type.Object({
  mode: Type.Union([Type.Literal('delay'), Type.Literal('per-record'), Type.Literal('random'), Type.Literal('rate'), Type.Literal('topic-queue'), Type.Literal('topic-latest')], {
    title: 'Mode', default: 'delay',
    description: '`delay`: hold every record for `delayMs`; `per-record`: for the ms in its `delay` field; `random`: between `delayMs` and `maxDelayMs`; `rate`: at most one record per `intervalMs`, in order; `topic-queue`: per interval the next topic, each topic keeping only its newest record; `topic-latest`: per interval the newest record of every topic.',
  }),
  delayMs: Type.Integer({ title: 'Delay (ms)', default: 5000, minimum: 0, maximum: 31 * 86_400_000, description: 'delay and per-record (default when the record has no `delay`); random: the shortest delay.' }),
  maxDelayMs: Type.Integer({ title: 'Longest delay (ms)', default: 5000, minimum: 0, maximum: 31 * 86_400_000, description: 'random: the longest delay.' }),
  intervalMs: Type.Number({ title: 'Interval (ms)', default: 1000, exclusiveMinimum: 0, maximum: 86_400_000, description: 'Rate modes: one release per interval, e.g. 200 for 5 msgs/s.' }),
  drop: Type.Boolean({ title: 'Drop intermediate records', default: false, description: 'rate: records arriving within an interval after the last one are not queued but dropped.' }),
  dropped: Type.Union([Type.Literal('port'), Type.Literal('count')], { title: 'Dropped records', default: 'port', description: '`port`: they leave by `dropped` (kept as dead letters when it is not wired); `count`: they are discarded and counted in the status, as Node-RED does with one output.' }),
  maxQueued: Type.Integer({ title: 'Most records held', default: 100_000, minimum: 1, maximum: 10_000_000, description: 'Records beyond this go to `error` rather than growing the node\'s state without bound.' }),
}, { additionalProperties: false });

type Config = Static<typeof config>;
interface Held { due: number; record: DataRecord }
interface State {
  held: Held[];
  /** Rate modes: when the next record may leave. */
  nextAt: number | null;
  lastSent: number | null;
  /** The previous tick: a rate never catches up on intervals before it (the flow was idle or down). */
  lastTick: number | null;
  dropped: number;
}

export default defineNode({
  type: 'delay',
  category: 'process',
  label: 'delay',
  inputs: { in: 'records' },
  outputs: { out: 'records once their time came', dropped: 'rate with drop: the records not let through' },
  config,
  docs: `Holds records back: a fixed or per-record delay, or a rate limit (Node-RED's delay node).

- \`delay\`, \`per-record\` (the ms in the record's \`delay\` field), \`random\` (uniform between \`delayMs\` and
  \`maxDelayMs\`): each record leaves once its time has come, in due order.
- \`rate\`: one record per \`intervalMs\`. The first passes at once, the rest queue and leave one per interval;
  with \`drop\`, those arriving too early are dropped: they leave by \`dropped\` (kept as dead letters when it is
  not wired, like every side port), or with \`"dropped": "count"\` are discarded and counted in the status.
- \`topic-queue\` / \`topic-latest\`: per interval the next topic's newest record, or every topic's newest.

A record with a \`reset\` field drops what is held; one with \`flush\` releases it now (a number releases that
many). Time is the journal's: a record's delay starts at the time its batch was journaled, and releases
happen on the flow's journaled ticks (\`settings.tickMs\`, 1 s by default: choose it below the delays you
need), so a replay after a crash releases the same records in the same order. What is held is kept with
every checkpoint; at most \`maxQueued\` records are held, further ones go to \`error\`.

Example: at most 5 records per second: \`{ "mode": "rate", "intervalMs": 200 }\``,

  create(cfg: Config, ctx: NodeContext) {
    let s: State = { held: [], nextAt: null, lastSent: null, lastTick: null, dropped: 0 };
    const byTopic = cfg.mode === 'topic-queue' || cfg.mode === 'topic-latest';

    function hold(record: DataRecord, due: number, failed: DataRecord[]): void {
      if (s.held.length >= cfg.maxQueued) {
        failed.push({ record, error: `the delay node holds ${cfg.maxQueued} records already (maxQueued)`, node: ctx.nodeId, attempts: 1 });
        return;
      }
      let i = s.held.length;
      while (i > 0 && s.held[i - 1]!.due > due) i--;
      s.held.splice(i, 0, { due, record });
    }

    /** A random delay drawn from the journal position, so a replay holds each record as long as before. */
    function dueOf(record: DataRecord, now: number, draw: number): number {
      if (cfg.mode === 'per-record') {
        const d = Number(record.delay);
        return now + (Number.isFinite(d) && d >= 0 ? d : cfg.delayMs);
      }
      if (cfg.mode === 'random') return now + cfg.delayMs + Math.round(uniform(0x5eed, draw, 0) * Math.max(0, cfg.maxDelayMs - cfg.delayMs));
      return now + cfg.delayMs;
    }

    function release(out: DataRecord[], count = Infinity): void {
      const n = Math.min(count, s.held.length);
      for (const h of s.held.splice(0, n)) out.push(strip(h.record));
    }

    function drop(record: DataRecord, dropped: DataRecord[]): void {
      s.dropped++;
      if (cfg.dropped === 'port') dropped.push(record);
    }

    function arrive(record: DataRecord, now: number, draw: number, out: DataRecord[], dropped: DataRecord[], failed: DataRecord[]): void {
      if ('reset' in record) { s = { ...s, held: [], nextAt: null, lastSent: null }; return; }
      if ('flush' in record) {
        release(out, typeof record.flush === 'number' ? Math.floor(record.flush) : Infinity);
        if (Object.keys(record).length <= 1) return;
      }
      if (byTopic) {
        const topic = record.topic ?? '_none_';
        const at = s.held.findIndex((h) => (h.record.topic ?? '_none_') === topic);
        if (at >= 0) { drop(s.held[at]!.record, dropped); s.held[at] = { due: s.held[at]!.due, record }; } else hold(record, now, failed);
        s.nextAt ??= now + cfg.intervalMs;
      } else if (cfg.mode === 'rate') {
        if (cfg.drop) {
          if (s.lastSent === null || now - s.lastSent > cfg.intervalMs) { s.lastSent = now; out.push(record); } else drop(record, dropped);
        } else if (s.held.length === 0 && (s.nextAt === null || now >= s.nextAt)) {
          out.push(record);
          s.nextAt = now + cfg.intervalMs;
        } else {
          hold(record, now, failed);
        }
      } else {
        hold(record, dueOf(record, now, draw), failed);
      }
    }

    return {
      process(batch, meta): Outputs {
        const out: DataRecord[] = [];
        const dropped: DataRecord[] = [];
        const failed: DataRecord[] = [];
        batch.forEach((record, i) => arrive(record, meta.ts, meta.offset * 65_536 + i, out, dropped, failed));
        if (s.dropped > 0) ctx.status({ state: 'running', text: `${s.held.length} held · ${s.dropped} dropped by the rate limit` });
        return { out, dropped, error: failed };
      },
      tick(now): Outputs {
        const out: DataRecord[] = [];
        if (cfg.mode === 'rate' || byTopic) {
          if (s.nextAt !== null && s.lastTick !== null && s.nextAt < s.lastTick) s.nextAt = s.lastTick;
          while (s.held.length > 0 && s.nextAt !== null && now >= s.nextAt) {
            if (cfg.mode === 'topic-latest') release(out);
            else release(out, 1);
            s.nextAt += cfg.intervalMs;
          }
          // Nothing waiting: the next record passes at once (Node-RED stops its interval when the queue is empty).
          if (s.held.length === 0 && byTopic) s.nextAt = null;
          s.lastTick = now;
        } else {
          let n = 0;
          while (n < s.held.length && s.held[n]!.due <= now) n++;
          release(out, n);
        }
        return { out };
      },
      snapshot: () => s,
      restore(state) {
        if (state && typeof state === 'object' && Array.isArray((state as State).held)) s = state as State;
      },
    };
  },
});

/** `flush` and `reset` steer the node; they are not part of the record that leaves it. */
function strip(record: DataRecord): DataRecord {
  if (!('flush' in record)) return record;
  const { flush: _f, ...rest } = record;
  return rest;
}
