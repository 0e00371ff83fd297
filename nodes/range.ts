import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';
import { showValue } from './lib/field-path.js';
import { property as propertyOf, propertyProblems, type Msg } from './message/property.js';

const config = Type.Object({
  property: Type.String({ title: 'Property', default: 'payload', minLength: 1, maxLength: 1000, description: 'The numeric field to scale, e.g. `payload` or `value`.' }),
  action: Type.Union([Type.Literal('scale'), Type.Literal('clamp'), Type.Literal('roll'), Type.Literal('drop')], {
    title: 'Out of range', default: 'scale',
    description: 'What happens to values outside the input range: `scale` extrapolates linearly, `clamp` limits them to the range first, `roll` wraps them around (modulo), `drop` removes the record.',
  }),
  inMin: Type.Number({ title: 'Input from', default: 0, description: 'Lower end of the input range.' }),
  inMax: Type.Number({ title: 'Input to', default: 1023, description: 'Upper end of the input range.' }),
  outMin: Type.Number({ title: 'Output from', default: 0, description: 'What `inMin` maps to.' }),
  outMax: Type.Number({ title: 'Output to', default: 100, description: 'What `inMax` maps to.' }),
  round: Type.Boolean({ title: 'Round to integer', default: false, description: 'Round the result to the nearest integer.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'range',
  category: 'process',
  label: 'range',
  inputs: { in: 'records' },
  outputs: { out: 'records with the field scaled', invalid: 'records whose field is not a number: { record, reason, node }' },
  config,
  check: (cfg) => {
    const problems = propertyProblems(cfg.property, '/property');
    if (cfg.inMin === cfg.inMax) problems.push({ path: '/inMax', message: 'the input range is empty (inMin equals inMax)' });
    return problems;
  },
  docs: `Maps a numeric field linearly from one range to another (Node-RED's range node): with the defaults a
10-bit ADC reading 0–1023 becomes 0–100.

\`action\` says what happens outside the input range: \`scale\` (extrapolate), \`clamp\` (limit to the range
first), \`roll\` (wrap around: 370° in 0–360 is 10°) or \`drop\` (remove the record). A field that holds text
with a number (\`"512"\`) is converted; a record whose field is missing passes unchanged; a record whose
field is not a number (\`"warm"\`) goes to \`invalid\` with the reason (Node-RED logs and drops it; Sluice keeps
it: unwired, it is a dead letter).

Example: a 4–20 mA loop to 0–10 bar: \`{ "property": "value", "inMin": 4, "inMax": 20, "outMin": 0, "outMax": 10, "action": "clamp" }\``,

  create(cfg, ctx) {
    const prop = propertyOf(cfg.property);
    // As Node-RED: a reversed input range swaps both ranges; rounding narrows the output range to integers.
    let [inMin, inMax, outMin, outMax] = [cfg.inMin, cfg.inMax, cfg.outMin, cfg.outMax];
    if (inMin > inMax) [inMin, inMax, outMin, outMax] = [inMax, inMin, outMax, outMin];
    if (cfg.round) [outMin, outMax] = [Math.ceil(outMin), Math.floor(outMax)];
    return {
      process(batch) {
        const out: DataRecord[] = [];
        const invalid: DataRecord[] = [];
        for (const record of batch) {
          const raw = prop.get(record);
          if (raw === undefined) { out.push(record); continue; }
          let n = Number(raw);
          if (Number.isNaN(n)) {
            invalid.push({ record, reason: `${cfg.property} is not a number: ${showValue(raw)}`, node: ctx.nodeId });
            continue;
          }
          if (cfg.action === 'drop' && (n < inMin || n > inMax)) continue;
          if (cfg.action === 'clamp') n = Math.min(Math.max(n, inMin), inMax);
          if (cfg.action === 'roll') {
            const d = inMax - inMin;
            n = (((n - inMin) % d) + d) % d + inMin;
          }
          let value = ((n - inMin) / (inMax - inMin)) * (outMax - outMin) + outMin;
          if (cfg.round) value = Math.round(value);
          out.push(prop.with(record as Msg, value));
        }
        return { out, invalid };
      },
    };
  },
});
