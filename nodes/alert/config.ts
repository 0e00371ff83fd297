import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';

const Op = Type.Union([Type.Literal('>'), Type.Literal('<'), Type.Literal('outside')], {
  default: '>', description: '`>` fires above `value`, `<` below `value`, `outside` outside `band`.',
});

export const RuleSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Names the rule in alert ids and messages; unique within the node.' }),
  kind: Type.Union([Type.Literal('threshold'), Type.Literal('rate'), Type.Literal('silence')], {
    default: 'threshold', description: '`threshold` judges the field, `rate` its change per minute, `silence` the time since the last reading.',
  }),
  field: Type.String({ minLength: 1, default: 'value', description: 'Numeric field (dotted path) judged by threshold and rate rules.' }),
  op: Op,
  value: Type.Optional(Type.Number({ description: 'Limit for `>` and `<`: in field units, or field units per minute for rate rules.' })),
  band: Type.Optional(Type.Object({
    low: Type.Number({ description: 'Lowest normal value.' }),
    high: Type.Number({ description: 'Highest normal value.' }),
  }, { additionalProperties: false, description: 'Normal band for `outside`.' })),
  hysteresis: Type.Number({ minimum: 0, default: 0, description: 'How far back inside the limit the value must come before the alert resolves (so values wavering around the limit do not flap).' }),
  sustainMs: Type.Integer({ minimum: 0, default: 0, description: 'The condition must hold this long, in event time, before the alert fires.' }),
  silenceMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Silence rules: fire when a sensor sent nothing for this long.' })),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { default: 'warning' }),
  message: Type.Optional(Type.String({ description: 'Template with {sensor} {rule} {field} {value} {limit} {state} {severity}; a default per kind otherwise.' })),
}, { additionalProperties: false });

export const AlertConfigSchema = Type.Object({
  rules: Type.Array(RuleSchema, { minItems: 1, description: 'The rules every reading is judged by.' }),
  keyBy: Type.String({ minLength: 1, default: 'sensor', description: 'Field naming the sensor; each sensor has its own alerts.' }),
  timeField: Type.String({ minLength: 1, default: 'ts', description: 'Event time in epoch ms; sustain and rate use it.' }),
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

/** What the schema cannot say: per-kind required settings and unique rule ids. */
export function checkAlertConfig(config: AlertConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  config.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) problems.push({ path: `/rules/${i}/id`, message: `rule id "${rule.id}" is used twice` });
    seen.add(rule.id);
    problems.push(...ruleProblems(rule, `/rules/${i}`));
  });
  return problems;
}
