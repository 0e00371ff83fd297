import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';

const config = Type.Object({
  by: Type.Array(Type.String({ minLength: 1 }), { title: 'Partition by', minItems: 1, maxItems: 8, description: 'Record fields (dotted paths) whose hash picks the partition of the next stage, e.g. ["region_code"].' }),
  partitions: Type.Optional(Type.Integer({ title: 'Partitions', minimum: 1, maximum: 256, description: 'Partitions of the next stage; default: the flow\'s settings.partitions.' })),
}, { additionalProperties: false });

export default defineNode({
  type: 'repartition',
  category: 'process',
  label: 'repartition',
  inputs: { in: 'records' },
  outputs: { out: 'the same records, keyed by `by` for the nodes after it' },
  config,
  boundary: { keyFields: (cfg) => cfg.by, partitions: (cfg) => cfg.partitions },
  docs: `Re-keys records for the stateful nodes after it, like Flink's \`keyBy\`.

In **cluster mode** a flow is split into \`settings.partitions\` partitions by \`settings.partitionBy\`,
each owned by one server, and a stateful node (rollup, alert, top-k, function with state) only sees its
partition's records. When it must keep its state by another field — the France flow polls one API, looks up
each reading's region, then rolls up per region — put a \`repartition\` by that field before it: what
leaves \`out\` is journaled into the stream of the next **stage**, partitioned by \`by\` (in \`partitions\`
partitions), and the nodes wired after it run in that stage's partitions.

A stage boundary is a journal too: a record is acknowledged to the stage before only once the next stage's
stream stored it (quorum write), and each message carries the partition and journal position it came from,
so a crash between the stages loses nothing and a replay of the stage before is recognised and dropped:
nothing is delivered twice by key. With \`partitions: 1\` the next stage is one partition (e.g. a top-k
over every sensor).

On a **single server** the node passes its records through unchanged, so the same flow runs in both.

Example: \`{ "by": ["region_code"] }\``,

  create() {
    return { process: (batch) => ({ out: batch }) };
  },
});
