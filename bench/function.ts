import fn from '../nodes/function.js';
import type { DataRecord } from '../server/core/types.js';
import { nodeContext } from '../test/helpers/node-context.js';

const TRANSFORM = 'export function process(records) {\n  return records.map((r) => ({ ...r, f: r.value * 1.8 + 32 }));\n}\n';

/** Records per second through one function node's sandbox (copy in, transform, copy out), batches of `batchSize`. */
export async function functionThroughput(records: number, batchSize: number): Promise<number> {
  const node = await fn.create({ code: TRANSFORM, outputs: [], dialect: 'sluice', initialize: '', memoryMb: 64, timeoutMs: 1000 }, nodeContext({ flowId: 'bench', nodeId: 'fn' }));
  const batches = Array.from({ length: Math.ceil(records / batchSize) }, (_, b) => batch(b * batchSize, batchSize));
  try {
    for (const b of batches.slice(0, 10)) await node.process!(b, { offset: 0, ts: Date.now() });
    const started = process.hrtime.bigint();
    let done = 0;
    for (const [i, b] of batches.entries()) {
      const out = await node.process!(b, { offset: i, ts: Date.now() });
      done += out ? (out.out?.length ?? 0) : 0;
    }
    if (done !== batches.length * batchSize) throw new Error(`the transform emitted ${done} records, expected ${batches.length * batchSize}`);
    return done / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await node.stop!();
  }
}

function batch(first: number, size: number): DataRecord[] {
  return Array.from({ length: size }, (_, i) => ({
    ts: 1_700_000_000_000 + (first + i) * 1000, sensor: `s${(first + i) % 100}`, value: ((first + i) % 400) / 10 - 5,
  }));
}
