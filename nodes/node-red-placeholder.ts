import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import { extraPorts } from './message/ports.js';

const config = Type.Object({
  nodeRedType: Type.String({ title: 'Node-RED type', maxLength: 256, description: 'The type of the node this stands for.' }),
  reason: Type.String({ title: 'Why it was not translated', maxLength: 4000, description: 'What the import said; deploy refuses the flow with this text.' }),
  outputs: Type.Integer({ title: 'Outputs', default: 1, minimum: 0, maximum: 100, description: 'How many outputs the original had (`out`, `out2`, …), so its wires are kept.' }),
  original: Type.Record(Type.String(), Type.Unknown(), { title: 'Original settings', default: {}, description: 'The Node-RED node as exported (credentials removed), for whoever replaces it.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'node-red-placeholder',
  category: 'process',
  label: 'needs a hand',
  inputs: { in: 'what the original node received' },
  outputs: { out: 'the original\'s first output' },
  configOutputs: (cfg) => extraPorts(cfg.outputs),
  config,
  check: (cfg) => [{ path: '/nodeRedType', message: `Node-RED node of type "${cfg.nodeRedType}" was not translated: ${cfg.reason}; replace this placeholder with Sluice nodes, then deploy` }],
  docs: `Stands where an imported Node-RED node could not be translated (a contrib type, an unsupported mode), so
its wires and settings are kept and nothing is silently dropped. Deploy refuses a flow that still holds one,
with the import's reason. Replace it: add the Sluice nodes that do the job, wire them in its place, delete it.`,
  create() {
    throw new Error('a node-red-placeholder never runs: replace it before deploying');
  },
});
