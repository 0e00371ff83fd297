import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';

const config = Type.Object({
  sources: Type.Record(Type.String(), Type.Object({
    type: Type.String({ title: 'Type', maxLength: 128, description: 'The failing node\'s type, as shown in `error.source.type`.' }),
    name: Type.String({ title: 'Name', maxLength: 256, description: 'The failing node\'s name.' }),
  }, { additionalProperties: false }), {
    title: 'Node names', default: {}, description: 'Optional: the type and name reported for each failing node id (an import from Node-RED fills it with the original types).',
  }),
}, { additionalProperties: false });

export default defineNode({
  type: 'catch',
  category: 'process',
  label: 'catch',
  inputs: { in: 'what error ports send: { record, error, node, attempts }' },
  outputs: { out: 'the failed records, each with error { message, source: { id, type, name } }' },
  config,
  docs: `Turns what nodes' \`error\` ports send into the failed records themselves, each with an \`error\` field
(Node-RED's catch node): \`{ ...record, "error": { "message": "…", "source": { "id", "type", "name", "count": 1 } } }\`
(an \`error\` field the record had already is kept as \`_error\`).

Wire the \`error\` ports of the nodes to watch into it, then handle the records like any others (alert, store,
retry by hand). Every node with an input has an \`error\` port: records it failed on after its last retry, or
that it rejected one by one (a JSON text that does not parse, a function's \`node.error(text, msg)\`).
Records without a \`record\` field pass through with \`error\` built from what they hold.

Example: a Node-RED import wires the error ports of every node a catch node covered into one \`catch\`.`,

  create(cfg) {
    return {
      process(batch) {
        const out: DataRecord[] = batch.map((failed) => {
          const inner = failed.record !== null && typeof failed.record === 'object' && !Array.isArray(failed.record) ? failed.record as DataRecord : undefined;
          const id = typeof failed.node === 'string' ? failed.node : '';
          const known = cfg.sources[id];
          const message = typeof failed.error === 'string' ? failed.error : typeof failed.reason === 'string' ? failed.reason : 'failed';
          const base = inner ?? failed;
          // As Node-RED: an `error` the record already had is kept as `_error`; `count` is 1 (Sluice has no error loops).
          const kept = base.error !== undefined && inner ? { _error: base.error } : {};
          return { ...base, ...kept, error: { message, source: { id, type: known?.type ?? '', name: known?.name ?? '', count: 1 } } };
        });
        return { out };
      },
    };
  },
});
