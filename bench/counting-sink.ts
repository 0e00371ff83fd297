import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';

/** Counts what reaches it and wakes the benchmark when the target is reached; `onBatch` sees each batch. */
export function countingSink(onCount: (total: number) => void, onBatch?: (batch: readonly DataRecord[]) => void) {
  return defineNode({
    type: 'bench-count', category: 'sink', label: 'Count', docs: 'Counts records (benchmarks only).',
    inputs: { in: 'records' }, outputs: {},
    config: Type.Object({}, { additionalProperties: false }),
    create() {
      let total = 0;
      return {
        process(batch) {
          onBatch?.(batch);
          total += batch.length;
          onCount(total);
        },
      };
    },
  });
}
