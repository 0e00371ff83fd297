import { Value } from '@sinclair/typebox/value';
import rollup from '../nodes/rollup.js';
import { gaussian } from '../nodes/lib/prng.js';
import type { DataRecord, NodeInstance } from '../server/core/types.js';
import { nodeContext } from '../test/helpers/node-context.js';

const SENSORS = 10_000;
const BATCH = 5_000;

function node(): NodeInstance {
  const config = Value.Default(rollup.config, {
    window: '1h', keyBy: ['sensor'], allowedLateness: '1m', aggregates: [{ field: 'value', aggregates: ['count', 'mean', 'min', 'max', 'p95'] }],
  });
  return rollup.create(config as never, nodeContext({ flowId: 'bench', nodeId: 'roll' })) as NodeInstance;
}

const START = Date.UTC(2026, 0, 1);
const NAMES = Array.from({ length: SENSORS }, (_, s) => `sensor-${s}`);

/** `{ ts, sensor, value }` readings from the `first`: every sensor every 50 s, so 3 M records span four hours. */
function batch(first: number): DataRecord[] {
  const records: DataRecord[] = [];
  for (let i = first; i < first + BATCH; i++) records.push({ ts: START + i * 5, sensor: NAMES[i % SENSORS]!, value: 20 + gaussian(1, i, 1) * 3 });
  return records;
}

/**
 * Records per second through the rollup's `process`, direct calls, 10,000 keys, 1 h tumbling windows:
 * the best of `runs` runs, since other processes share the machine's cores.
 */
export async function rollupThroughput(records: number, runs = 3): Promise<number> {
  const warm = node();
  for (let b = 0; b < 40; b++) warm.process!(batch(b * BATCH), { offset: b, ts: b });
  let best = 0;
  for (let r = 0; r < runs; r++) best = Math.max(best, timedRun(records));
  return best;
}

/**
 * Batches are made in chunks outside the timed calls and dropped after use, as the runtime does, so
 * the heap stays the size a running flow has.
 */
function timedRun(records: number): number {
  const roll = node();
  let rows = 0;
  let elapsed = 0n;
  for (let first = 0; first < records; first += 20 * BATCH) {
    const chunk: DataRecord[][] = [];
    for (let b = first; b < Math.min(records, first + 20 * BATCH); b += BATCH) chunk.push(batch(b));
    const started = process.hrtime.bigint();
    for (const records of chunk) rows += (roll.process!(records, { offset: 0, ts: 0 }) as { out: DataRecord[] }).out.length;
    elapsed += process.hrtime.bigint() - started;
  }
  if (rows !== 4 * SENSORS) throw new Error(`expected ${4 * SENSORS} rows from four closed hours, got ${rows}`);
  return records / (Number(elapsed) / 1e9);
}
