import { builtinNodes } from '../../nodes/index.js';
import { silentLogger } from '../../server/core/logger.js';
import { NodeRegistry } from '../../server/core/registry.js';
import type { FlowDocument } from '../../server/core/flow-format.js';
import { tuneHeapGrowth } from '../../server/runtime/heap-tuning.js';
import { RuntimeManager } from '../../server/runtime/manager.js';
import { countingSink } from '../counting-sink.js';
import { subscribed } from '../mqtt.js';
import { childArgs, serve, tallyFor, type ChildArgs } from './child-link.js';
import { transformNodes } from './transform-nodes.js';
import { TRANSFORMS } from './transforms.js';

/** Sluice in its own process for the head-to-head: MQTT in → validate → rollup → count, or simulate → 3 functions → count. */
// As `sluice start` does (its default --heap-growth), before any work.
tuneHeapGrowth();
const args = childArgs();
const tally = tallyFor(args);
const link = serve(tally);
const sink = countingSink(() => undefined, (batch) => {
  const now = Date.now();
  for (const r of batch) tally.record(r, now);
  tally.endBatch();
});
const manager = await RuntimeManager.open({ dataDir: args.dir, log: silentLogger, registry: new NodeRegistry([...builtinNodes, ...transformNodes, sink]) });
if (!args.restart) await manager.deploy('h2h', args.generate > 0 ? inProcess(args) : overMqtt(args));
if (args.generate === 0) await subscribed(manager, 'h2h', 'in');
link.ready();

function overMqtt(a: ChildArgs): FlowDocument {
  return {
    sluice: 1, id: 'h2h',
    nodes: [
      // As bench/mqtt.ts: one commit per message per connection, so 16 connections share the subscription.
      { id: 'in', type: 'mqtt-in', config: { url: a.url, clientId: a.clientId, clean: !a.persistent, topics: [`${a.prefix}/#`], qos: 1, connections: a.shared ? 16 : 1 } },
      { id: 'check', type: 'validate', config: { ranges: { value: { min: -100, max: 100 } } } },
      // Two publishers interleave event times out of order across sensors; Sluice's watermark spans all
      // sensors (Node-RED's function keeps one per sensor), so a lateness of 1 h keeps every reading aggregated.
      { id: 'roll', type: 'rollup', config: { window: '1m', keyBy: ['sensor'], allowedLateness: '1h', aggregates: [{ field: 'value', aggregates: ['count', 'mean', 'min', 'max'] }] } },
      { id: 'count', type: 'bench-count' },
    ],
    // The rollup emits closed windows only, so the readings reach the sink from validate (Node-RED's
    // rollup function passes each message on instead): both sinks see every reading and every window.
    wires: [{ from: 'in', to: 'check' }, { from: 'check', to: 'roll' }, { from: 'roll', to: 'count' }, { from: 'check', to: 'count' }],
  } as FlowDocument;
}

function inProcess(a: ChildArgs): FlowDocument {
  return {
    sluice: 1, id: 'h2h',
    nodes: [
      // No sine and no gaussian noise: Node-RED's generator computes nothing per reading either. Batches of the
      // node's default size (2,000): larger ones ran slower here (5,000: about 10 % slower), their journal text
      // being past V8's large-object size, which goes straight to the old generation.
      { id: 'sim', type: 'simulate', config: { sensors: 100, ratePerSecond: 0, limit: a.generate, value: { amplitude: 0, noise: 0 } } },
      // Sandboxed: Sluice's function node (user code in isolated-vm, in a child process); otherwise in-process node types.
      ...TRANSFORMS.map((t, i) => (a.sandboxed ? { id: `f${i + 1}`, type: 'function', config: { code: t.sluice } } : { id: `f${i + 1}`, type: `h2h-transform-${i + 1}` })),
      { id: 'count', type: 'bench-count' },
    ],
    wires: [{ from: 'sim', to: 'f1' }, { from: 'f1', to: 'f2' }, { from: 'f2', to: 'f3' }, { from: 'f3', to: 'count' }],
  } as FlowDocument;
}
