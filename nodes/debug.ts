import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';
import { fieldGetter } from './lib/field-path.js';

const config = Type.Object({
  maxPerBatch: Type.Integer({ title: 'Shown per batch', default: 5, minimum: 0, maximum: 1000, description: 'How many records of each batch are shown; the rest are counted in one summary.' }),
  complete: Type.String({ title: 'Complete', default: 'record', minLength: 1, description: '"record" shows whole records; otherwise the dotted path of the field to show.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'debug',
  category: 'sink',
  label: 'debug',
  inputs: { in: 'records to show' },
  outputs: {},
  config,
  docs: `Shows records in the editor's debug sidebar.

For each batch the first \`maxPerBatch\` records (or their \`complete\` field) are shown; when the batch is
larger, one summary \`{ "omitted": n }\` follows. The runtime throttles the sidebar, so a busy flow
cannot flood the browser, and keeps the flow's last messages for \`GET /api/flows/:id/debug\`. The node
holds no state: the records themselves are safe in the journal.

**Ports.** \`in\`: any records. Nothing leaves the node.

Example: \`{ "maxPerBatch": 3, "complete": "value" }\` shows the values of the first three records per batch.`,

  create(cfg, ctx) {
    const pick: (r: DataRecord) => unknown = cfg.complete === 'record' ? (r) => r : fieldGetter(cfg.complete);
    return {
      process(batch) {
        const shown = Math.min(batch.length, cfg.maxPerBatch);
        for (let i = 0; i < shown; i++) {
          ctx.debug(pick(batch[i]!));
        }
        if (batch.length > shown) ctx.debug({ omitted: batch.length - shown });
      },
    };
  },
});
