import { Type } from '@sinclair/typebox';
import { defineNode } from '../../server/core/define-node.js';
import type { DataRecord } from '../../server/core/types.js';
import { TRANSFORMS } from './transforms.js';

/**
 * The in-process workload's transforms as node types of their own, loaded the way `sluice start --nodes module.js`
 * loads trusted code: in the runtime's process, like Node-RED's function nodes (whose `vm` reaches the host).
 */
export const transformNodes = TRANSFORMS.map((t, i) => defineNode({
  type: `h2h-transform-${i + 1}`, category: 'process', label: t.name, docs: `${t.name} (benchmarks only).`,
  inputs: { in: 'records' }, outputs: { out: 'transformed records' },
  config: Type.Object({}, { additionalProperties: false }),
  create() {
    return { process: (batch) => ({ out: t.batch(batch as never) as DataRecord[] }) };
  },
}));
