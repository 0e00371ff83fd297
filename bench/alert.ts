import Database from 'better-sqlite3';
import { Value } from '@sinclair/typebox/value';
import alert from '../nodes/alert.js';
import type { DataRecord, NodeInstance } from '../server/core/types.js';
import { AlertStore } from '../server/services/alert-store.js';
import { nodeContext, testServices } from '../test/helpers/node-context.js';

const SENSORS = 10_000;
const BATCH = 1_000;
const NAMES = Array.from({ length: SENSORS }, (_, s) => `sensor-${s}`);

/** A threshold rule and an event-clock silence rule, as a sensor-health flow has them. */
async function node(): Promise<NodeInstance> {
  const config = Value.Default(alert.config, {
    rules: [
      { id: 'hot', field: 'value', op: '>', value: 1_000 },
      { id: 'quiet', kind: 'silence', clock: 'event', silenceMs: 600_000 },
    ],
  });
  const store = AlertStore.open(new Database(':memory:'));
  const n = (await alert.create(config as never, nodeContext({ flowId: 'bench', nodeId: 'alert', services: testServices({ alerts: store }) }))) as NodeInstance;
  await n.start?.();
  return n;
}

/** Every sensor every 10 s of event time, values never past the threshold: no alert fires, as on most days. */
function batch(first: number): DataRecord[] {
  const records: DataRecord[] = [];
  for (let i = first; i < first + BATCH; i++) records.push({ ts: i, sensor: NAMES[i % SENSORS]!, value: 20 + (i % 7) });
  return records;
}

/**
 * Records per second through the alert node's `process`, direct calls, 10,000 sensors in batches of 1,000:
 * the best of `runs` runs, since other processes share the machine's cores.
 */
export async function alertThroughput(records: number, runs = 3): Promise<number> {
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const n = await node();
    const batches = Array.from({ length: records / BATCH }, (_, b) => batch(b * BATCH));
    const started = process.hrtime.bigint();
    for (const [b, records] of batches.entries()) n.process!(records, { offset: b + 1, ts: 0 });
    best = Math.max(best, records / (Number(process.hrtime.bigint() - started) / 1e9));
    await n.stop?.();
  }
  return best;
}
