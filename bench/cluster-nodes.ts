import { appendFileSync, closeSync, openSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { NodeDefinition } from '../server/core/types.js';

/**
 * Node types the cluster benchmark loads into its Sluice servers with `--nodes`: a counting sink whose count is read
 * from the flow status, and a sink that logs when each server first writes a batch of a sensor (takeover times).
 */
const count = defineNode({
  type: 'bench-cluster-count', category: 'sink', label: 'Count', docs: 'Counts records (benchmarks only).',
  inputs: { in: 'records' }, outputs: {},
  config: Type.Object({}, { additionalProperties: false }),
  create: () => ({ process() { /* counted by the executor as records in */ } }),
});

const mark = defineNode({
  type: 'bench-cluster-mark', category: 'sink', label: 'Mark', docs: 'Logs each batch\'s writer, time and first sensor (benchmarks only).',
  inputs: { in: 'records' }, outputs: {},
  config: Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  create(config, ctx) {
    const fd = openSync(config.file, 'a');
    const writer = ctx.cluster?.serverId ?? 'single';
    return {
      process(batch) {
        if (batch.length > 0) appendFileSync(fd, `${JSON.stringify({ writer, at: Date.now(), sensor: batch[0]!.sensor })}\n`);
      },
      stop: () => closeSync(fd),
    };
  },
});

const nodes: NodeDefinition[] = [count, mark];
export default nodes;
