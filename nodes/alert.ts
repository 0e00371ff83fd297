import { defineNode } from '../server/core/define-node.js';
import { AlertConfigSchema, checkAlertConfig, type RuleConfig } from './alert/config.js';
import { AlertEngine, type EngineState } from './alert/engine.js';
import { rateRule } from './alert/rate.js';
import type { Rule } from './alert/rule.js';
import { silenceRule } from './alert/silence.js';
import { thresholdRule } from './alert/threshold.js';

const ruleKinds: { [kind in RuleConfig['kind']]: (config: RuleConfig) => Rule } = {
  threshold: thresholdRule, rate: rateRule, silence: silenceRule,
};

export default defineNode({
  type: 'alert',
  category: 'process',
  label: 'alert',
  inputs: { in: 'readings' },
  outputs: {
    out: 'alert state changes: { alertId, flow, node, rule, kind, sensor, state, at, firedAt, value, severity, message, by, note }',
    invalid: 'readings without a sensor, a time or a rule\'s numeric field: { record, reason, node }',
    late: 'readings older than the latest reading of their sensor: { record, reason, node }',
  },
  config: AlertConfigSchema,
  check: checkAlertConfig,
  stateKeys: (cfg) => [cfg.keyBy],
  docs: `Raises alerts from readings, per sensor (\`keyBy\`) and rule, and keeps their history in the server's
alert store (\`GET /api/alerts\`).

**Rules** (\`rules: [{ id, kind, … }]\`):
- \`threshold\`: \`op\` \`>\` or \`<\` a \`value\`, or \`outside\` a \`band: { low, high }\`, on \`field\`.
- \`rate\`: the same comparison on the change of \`field\` per minute between consecutive readings (event time).
- \`silence\`: no reading from a sensor for \`silenceMs\` (sensor health); only sensors heard at least once are
  watched. With \`clock: "arrival"\` (default) it is judged on journaled ticks against when readings were
  received, so a replay gives the same alerts and a sensor with a wrong clock is judged by when it was heard.
  With \`clock: "event"\` it is judged after each batch on event time: a sensor is silent once the newest
  reading of any sensor is \`silenceMs\` past its latest reading, and the alert fires at that reading's time +
  \`silenceMs\`. That suits replays and backfills and the time it fires does not depend on batching, but needs sensor clocks that
  agree and sees nothing when every sensor falls silent: pair it with an \`arrival\` rule.
- \`sustainMs\`: the condition must hold on every reading for this long (event time) before the alert fires.
- \`hysteresis\`: the value must come back inside the limit by this much before the alert resolves; values
  wavering around the limit give one alert, not many.
- \`severity\` (\`info\`, \`warning\`, \`critical\`) and \`message\`, a template with \`{sensor} {rule} {field} {value}
  {limit} {state} {severity}\`. Each record on \`out\` renders it for its own transition (\`{state}\` is
  \`firing\`, \`acknowledged\` or \`resolved\`); the alert history keeps the message as it fired and shows the
  state, and who acknowledged or resolved it, beside it, so a message needs no \`{state}\` to be read there.

**Life cycle**: \`firing\` → \`acknowledged\` (\`POST /api/alerts/:id/acknowledge {by, note}\`) → \`resolved\`,
automatically when the condition clears, or by hand (\`POST /api/alerts/:id/resolve {by, note}\`). An alert
resolved by hand while its condition still holds does **not** fire again until the value has cleared (with
hysteresis) and crossed the limit again. Every change is emitted on \`out\`, hand actions included (with
\`by\` and \`note\`, on the next batch or tick, about a second later), so \`out\` can drive a command back to
the sensor, a webhook or a sink.

**Where the sensor is**: \`carry: ["site", "lat", "lon"]\` copies those top-level fields of the sensor's latest
reading into every emitted change (silence alerts included), e.g. to publish a command to
\`sites/{site}/sensors/{sensor}/commands\`. They cannot be named like a field of the change itself.

**Queries** (\`GET /api/flows/<flow>/nodes/<node>/query/<name>\`): \`open\` lists the open alerts the node
holds; \`summary\` gives per rule \`{ rule, kind, sensors, active, share }\`: the sensors watched, those whose
alert fired and whose condition still holds (open, or resolved by hand while it holds), and active ÷ sensors
— for a silence rule, the share of silent sensors.

**Ids and replay**: an alert's id is \`<flow>/<node>/<rule>/<sensor>/<firedAt>\`; a replay after a crash emits
the same transitions again (at least once downstream) and the store records each only once. Acknowledgement
and resolution by hand live in the store, which the node consults: a replay does not re-open an alert
someone resolved. A redeploy that changes this node's config starts its rules afresh; alerts still open
from before stay open in the store until resolved by hand.

Readings must carry the sensor field, a numeric time field (\`timeField\`, epoch ms) and every field a
threshold or rate rule reads; others go to \`invalid\`. A reading older than its sensor's latest goes to \`late\`.

Example: \`{ "rules": [{ "id": "hot", "kind": "threshold", "op": ">", "value": 40, "hysteresis": 2,
"sustainMs": 60000, "severity": "critical" }, { "id": "quiet", "kind": "silence", "silenceMs": 600000 }] }\``,

  create(cfg, ctx) {
    const engine = new AlertEngine({
      flowId: ctx.flowId, nodeId: ctx.nodeId, keyBy: cfg.keyBy, timeField: cfg.timeField, carry: cfg.carry,
      rules: cfg.rules.map((r) => ruleKinds[r.kind](r)), store: ctx.services.alerts,
    });
    let unwatch: (() => void) | undefined;
    return {
      start() {
        unwatch = ctx.services.alerts.watch(ctx.flowId, ctx.nodeId, (alert) => engine.handAction(alert));
        engine.reconcile();
      },
      stop() {
        unwatch?.();
      },
      process: (batch, meta) => engine.process(batch, meta),
      // Also without silence rules: ticks carry hand actions to `out` when no readings come.
      tick: (now) => engine.tick(now),
      snapshot: () => engine.snapshot(),
      restore: (state) => engine.restore(state as EngineState),
      queries: { open: () => engine.openAlerts(), summary: () => engine.summary() },
    };
  },
});
