import { Type } from '@sinclair/typebox';
import { ERROR_PORT } from '../server/core/flow-format.js';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';
import { failedRecord } from './message/failure.js';
import { property, propertyProblems, type Msg } from './message/property.js';

const config = Type.Object({
  property: Type.String({ title: 'Property', default: 'payload', minLength: 1, maxLength: 1000, description: 'The field converted, e.g. `payload`.' }),
  action: Type.Union([Type.Literal('toggle'), Type.Literal('parse'), Type.Literal('stringify')], {
    title: 'Action', default: 'toggle', description: '`toggle`: text is parsed and anything else becomes JSON text; `parse`: text only (other values pass); `stringify`: values become JSON text (text passes).',
  }),
  pretty: Type.Boolean({ title: 'Pretty print', default: false, description: 'Indent JSON text by 4 spaces.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'json',
  category: 'process',
  label: 'JSON',
  inputs: { in: 'records' },
  outputs: { out: 'records with the field converted' },
  config,
  check: (cfg) => propertyProblems(cfg.property, '/property'),
  docs: `Converts a field between JSON text and a value (Node-RED's JSON node).

\`toggle\` (default) parses a text field (\`"{\\"t\\":21}"\` → \`{ "t": 21 }\`) and turns an object, array, number
or boolean into JSON text; \`parse\` and \`stringify\` only go one way. A record without the field passes
unchanged. Text that is not JSON sends the record to \`error\` with the parser's reason (\`Unexpected token
} in JSON at position 7\`); the rest of the batch goes on.

Example: MQTT messages kept as text, parsed later: \`{ "property": "payload", "action": "parse" }\``,

  create(cfg, ctx) {
    const prop = property(cfg.property);
    const indent = cfg.pretty ? 4 : 0;
    return {
      process(batch) {
        const out: DataRecord[] = [];
        const failed: DataRecord[] = [];
        for (const record of batch) {
          const value = prop.get(record);
          if (value === undefined) { out.push(record); continue; }
          if (typeof value === 'string') {
            if (cfg.action === 'stringify') { out.push(record); continue; }
            try {
              out.push(prop.with(record as Msg, JSON.parse(value)));
            } catch (err) {
              failed.push(failedRecord(record, (err as Error).message, ctx.nodeId));
            }
          } else if (cfg.action === 'parse') {
            out.push(record);
          } else {
            out.push(prop.with(record as Msg, JSON.stringify(value, null, indent)));
          }
        }
        return { out, [ERROR_PORT]: failed };
      },
    };
  },
});
