import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';

const Op = Type.Union([Type.Literal('>'), Type.Literal('<'), Type.Literal('outside')], {
  title: 'Comparison',
  default: '>', description: '`>` fires above `value`, `<` below `value`, `outside` outside `band`.',
});

export const RuleSchema = Type.Object({
  id: Type.String({ title: 'ID', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Names the rule in alert ids and messages; unique within the node.' }),
  kind: Type.Union([Type.Literal('threshold'), Type.Literal('rate'), Type.Literal('silence')], { title: 'Kind',
    default: 'threshold', description: '`threshold` judges the field, `rate` its change per minute, `silence` the time since the last reading.',
  }),
  field: Type.String({ title: 'Field', minLength: 1, default: 'value', description: 'Numeric field (dotted path) judged by threshold and rate rules.' }),
  op: Op,
  value: Type.Optional(Type.Number({ title: 'Value', description: 'Limit for `>` and `<`: in field units, or field units per minute for rate rules.' })),
  band: Type.Optional(Type.Object({
    low: Type.Number({ title: 'Low', description: 'Lowest normal value.' }),
    high: Type.Number({ title: 'High', description: 'Highest normal value.' }),
  }, { title: 'Band', additionalProperties: false, description: 'Normal band for `outside`.' })),
  hysteresis: Type.Number({ title: 'Hysteresis', minimum: 0, default: 0, description: 'How far back inside the limit the value must come before the alert resolves (so values wavering around the limit do not flap).' }),
  sustainMs: Type.Integer({ title: 'Sustain (ms)', minimum: 0, default: 0, description: 'The condition must hold this long, in event time, before the alert fires.' }),
  silenceMs: Type.Optional(Type.Integer({ title: 'Silence (ms)', minimum: 1, description: 'Silence rules: fire when a sensor sent nothing for this long.' })),
  clock: Type.Union([Type.Literal('arrival'), Type.Literal('event')], { title: 'Clock',
    default: 'arrival',
    description: 'Silence rules: `arrival` measures the silence on journal time (when readings were received, judged on ticks); `event` measures it on event time, against the newest reading of any sensor.',
  }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { title: 'Severity', default: 'warning' }),
  message: Type.Optional(Type.String({ title: 'Message', description: 'Template with {sensor} {rule} {field} {value} {limit} {state} {severity}; a default per kind otherwise.' })),
}, { additionalProperties: false });

export const AlertConfigSchema = Type.Object({
  rules: Type.Array(RuleSchema, { title: 'Rules', minItems: 1, description: 'The rules every reading is judged by.' }),
  keyBy: Type.String({ title: 'Key by', minLength: 1, default: 'sensor', description: 'Field naming the sensor; each sensor has its own alerts.' }),
  timeField: Type.String({ title: 'Time field', minLength: 1, default: 'ts', description: 'Event time in epoch ms; sustain and rate use it.' }),
  carry: Type.Array(Type.String({ minLength: 1, pattern: '^[^.]+$' }), { title: 'Carry',
    default: [], uniqueItems: true,
    description: 'Fields (dotted paths) of the sensor\'s latest reading copied into every emitted change, e.g. `["site", "lat", "lon"]`, so downstream nodes know where the sensor is.',
  }),
}, { additionalProperties: false });

export type RuleConfig = Static<typeof RuleSchema>;
export type AlertConfig = Static<typeof AlertConfigSchema>;

function ruleProblems(rule: RuleConfig, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ path: `${at}/${field}`, message });
  if (rule.kind === 'silence') {
    if (rule.silenceMs === undefined) problem('silenceMs', 'a silence rule needs silenceMs');
    if (rule.sustainMs > 0) problem('sustainMs', 'silenceMs is already the duration of a silence rule; leave sustainMs at 0');
    return problems;
  }
  if (rule.clock !== 'arrival') problem('clock', 'clock applies to silence rules only; leave it out');
  if (rule.op === 'outside') {
    if (!rule.band) problem('band', `op "outside" needs a band { low, high }`);
    else if (rule.band.high - rule.band.low < 2 * rule.hysteresis) {
      problem('band', `the band [${rule.band.low}, ${rule.band.high}] is narrower than twice the hysteresis ${rule.hysteresis}: the alert could never resolve`);
    }
  } else if (rule.value === undefined) {
    problem('value', `op "${rule.op}" needs a value`);
  }
  return problems;
}

/** Fields of every emitted change: carried fields must not overwrite them. */
export const EMITTED_FIELDS = ['alertId', 'flow', 'node', 'rule', 'kind', 'sensor', 'state', 'at', 'firedAt', 'value', 'severity', 'message', 'by', 'note'];

/** What the schema cannot say: per-kind required settings, unique rule ids, carried fields that fit. */
export function checkAlertConfig(config: AlertConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.carry.forEach((field, i) => {
    if (EMITTED_FIELDS.includes(field)) problems.push({ path: `/carry/${i}`, message: `"${field}" is a field of the emitted changes themselves; carry another field` });
  });
  const seen = new Set<string>();
  config.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) problems.push({ path: `/rules/${i}/id`, message: `rule id "${rule.id}" is used twice` });
    seen.add(rule.id);
    problems.push(...ruleProblems(rule, `/rules/${i}`));
  });
  return problems;
}
