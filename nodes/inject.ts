import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, NodeContext } from '../server/core/types.js';
import { CronError, isTimeZone, nextCronTime, parseCron } from './lib/cron.js';
import { isJournalClosed, isJournalFull } from './lib/source-appender.js';
import { property, propertyProblems, type Msg } from './message/property.js';
import { compileValue, TypedValue, valueProblems } from './message/typed-value.js';

const config = Type.Object({
  fields: Type.Array(Type.Object({
    property: Type.String({ title: 'Field', minLength: 1, maxLength: 1000, description: 'e.g. `payload`, `topic`, `payload.site`.' }),
    value: TypedValue('Value', 'What the field is set to at each firing; `now` is the firing time (epoch ms).', { kind: 'now', value: '' }),
  }, { additionalProperties: false }), {
    title: 'Record fields', maxItems: 100, description: 'The record each firing appends.',
    default: [{ property: 'payload', value: { kind: 'now', value: '' } }, { property: 'topic', value: { kind: 'string', value: '' } }],
  }),
  once: Type.Boolean({ title: 'Fire once at start', default: false, description: 'Fire when the flow starts (deploy, server start), after `onceDelayMs`.' }),
  onceDelayMs: Type.Integer({ title: 'Start delay (ms)', default: 100, minimum: 0, maximum: 86_400_000, description: 'How long after the start the first firing happens.' }),
  repeatMs: Type.Integer({ title: 'Repeat every (ms)', default: 0, minimum: 0, maximum: 31 * 86_400_000, description: 'Fire again at this interval; 0: no interval.' }),
  cron: Type.String({ title: 'Schedule (cron)', default: '', maxLength: 200, description: 'Five-field cron expression (`*/5 * * * *`, `0 12 * * 1-5`); empty: none. Fires at the start of the matching minutes.' }),
  timeZone: Type.String({ title: 'Time zone', default: 'UTC', minLength: 1, maxLength: 64, description: 'IANA time zone the cron schedule is read in, e.g. `Europe/Paris`.' }),
}, { additionalProperties: false });

type Config = Static<typeof config>;
const MAX_TIMER_MS = 2 ** 31 - 1;

function check(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  cfg.fields.forEach((f, i) => problems.push(...propertyProblems(f.property, `/fields/${i}/property`), ...valueProblems(f.value, `/fields/${i}/value`)));
  if (cfg.cron) {
    try {
      parseCron(cfg.cron);
    } catch (err) {
      if (!(err instanceof CronError)) throw err;
      problems.push({ path: '/cron', message: err.message });
    }
  }
  if (!isTimeZone(cfg.timeZone)) problems.push({ path: '/timeZone', message: `"${cfg.timeZone}" is not an IANA time zone` });
  if (cfg.repeatMs > 0 && cfg.cron) problems.push({ path: '/cron', message: 'choose repeatMs or cron, not both' });
  return problems;
}

export default defineNode({
  type: 'inject',
  category: 'source',
  label: 'inject',
  inputs: {},
  outputs: { out: 'one record per firing' },
  config,
  check,
  docs: `Appends a record on a schedule (Node-RED's inject node): once when the flow starts, every \`repeatMs\`,
and/or on a cron schedule. Each firing builds the record from \`fields\`: by default \`{ "payload": <now, epoch ms>,
"topic": "" }\`; a field can hold a text, number, boolean, JSON value or the time.

The record is journaled like any source's, so what follows sees it even after a crash; a schedule does not
catch up on firings missed while the server was down (as Node-RED). While the journal is full a firing is
skipped and the status says so.

Example: a heartbeat every minute: \`{ "fields": [{ "property": "payload", "value": { "kind": "string", "value": "ping" } }], "repeatMs": 60000 }\``,

  create(cfg: Config, ctx: NodeContext) {
    const setters = cfg.fields.map((f) => ({ prop: property(f.property), read: compileValue(f.value) }));
    const schedule = cfg.cron ? parseCron(cfg.cron) : undefined;
    const timers = new Set<NodeJS.Timeout>();
    let fired = 0;

    function later(ms: number, run: () => void): void {
      if (ctx.signal.aborted) return;
      const t = setTimeout(() => { timers.delete(t); run(); }, ms);
      timers.add(t);
    }

    function fire(): void {
      const now = Date.now();
      let record: Msg = {};
      for (const s of setters) record = s.prop.with(record, s.read(record, { now }));
      ctx.append([record as DataRecord]).then(() => {
        fired++;
        ctx.status({ state: 'running', text: `${fired} fired` });
      }, (err: unknown) => {
        if (isJournalClosed(err)) return;
        const why = isJournalFull(err) ? 'journal full, firing skipped' : `firing failed: ${(err as Error).message}`;
        ctx.status({ state: isJournalFull(err) ? 'refused' : 'error', text: why });
      });
    }

    function every(): void {
      later(cfg.repeatMs, () => { fire(); every(); });
    }

    function nextCron(): void {
      const wait = nextCronTime(schedule!, Date.now(), cfg.timeZone) - Date.now();
      // Timers hold at most 2^31 - 1 ms (24.8 days): a yearly schedule waits in steps.
      if (wait > MAX_TIMER_MS) later(MAX_TIMER_MS, nextCron);
      else later(Math.max(0, wait), () => { fire(); nextCron(); });
    }

    return {
      start() {
        if (cfg.once) later(cfg.onceDelayMs, fire);
        if (cfg.repeatMs > 0) every();
        if (schedule) nextCron();
      },
      stop() {
        for (const t of timers) clearTimeout(t);
        timers.clear();
      },
    };
  },
});
