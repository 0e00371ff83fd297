import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import questdb from '../nodes/questdb.js';
import type { DataRecord } from '../server/core/types.js';
import { nodeContext } from '../test/helpers/node-context.js';
import type { IlpServerStats } from '../test/fixtures/ilp-server.js';

const serverEntry = fileURLToPath(new URL('./questdb-server-child.js', import.meta.url));

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(serverEntry, [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: chunk.toString().trim() };
}

function serverStats(child: ChildProcess): Promise<IlpServerStats> {
  const reply = once(child, 'message') as Promise<[IlpServerStats]>;
  child.send('stats');
  return reply.then(([s]) => s);
}

/**
 * Rows per second through the QuestDB sink's process() into the strict ILP test server, as the
 * executor drives a sink: batches of `batchSize` records (50,000 in `bench/run.ts`), each acknowledged
 * before the next; the figure is rows over the wall-clock time of those process() calls, after four
 * warm-up batches (JIT, connections, the table check).
 *
 * Setup, so figures compare:
 * - The sink runs in this process; the server in a child process parses and type-checks every line
 *   (escapes, number syntax and range, column types, duplicate columns) but keeps no rows, like a
 *   QuestDB on other cores. Both processes share the machine: the figure is bounded by the slower of
 *   the two and by whatever else runs (note the load average next to any figure).
 * - `autoFlushRows: 10_000` with the default `maxInFlight: 2`: five requests (one transaction each) per
 *   batch, so the sink encodes one slice while the server parses another. With the default 75,000 a
 *   50,000-row batch is one request and encoding and parsing alternate (about 15% fewer rows/s).
 * - Readings of 100 sensors: the 100 readings of one millisecond share their time, `seq` is a long,
 *   `value` a double with two decimals (as readings mostly are). Full-precision doubles (17 digits)
 *   cost the sink about 0.2-0.3 µs more per row (V8's number-to-text), a distinct time per row a little.
 * - Four distinct batches are cycled: records are built once, so the figure is the sink's own cost.
 */
export async function questdbThroughput(rows: number, batchSize: number): Promise<number> {
  const { child, url } = await startServer();
  try {
    const config = Value.Default(questdb.config, {
      address: url, table: 'bench', columns: { sensor: 'symbol', seq: 'long', value: 'double' }, dedupKeys: ['sensor', 'seq'],
      autoFlushRows: 10_000, maxInFlight: 2,
    }) as never;
    const node = await questdb.create(config, nodeContext({ flowId: 'bench', nodeId: 'qdb' }));
    await node.start?.();
    const t0 = Date.now();
    // A few distinct batches, cycled: the server keeps no rows, and a small heap keeps GC out of the figure.
    const batches: DataRecord[][] = Array.from({ length: 4 }, (_, b) => Array.from({ length: batchSize }, (_, i) => {
      const seq = b * batchSize + i;
      return { ts: t0 + Math.floor(seq / 100), sensor: `sim-${seq % 100}`, seq, value: 20 + ((seq * 7919) % 1000) / 100 };
    }));
    const count = Math.ceil(rows / batchSize);
    // Warm-up: the first batches pay for JIT compilation and connection set-up.
    for (const batch of batches) await node.process!(batch, { offset: 0, ts: t0 });
    const started = process.hrtime.bigint();
    for (let b = 0; b < count; b++) {
      const out = await node.process!(batches[b % batches.length]!, { offset: 0, ts: t0 });
      if (out) throw new Error('the benchmark rows must all be accepted');
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stats = await serverStats(child);
    const expected = (count + batches.length) * batchSize;
    if (stats.rowsAccepted !== expected) throw new Error(`the server accepted ${stats.rowsAccepted} rows, expected ${expected}`);
    await node.stop?.();
    return (count * batchSize) / seconds;
  } finally {
    child.disconnect();
    await once(child, 'exit');
  }
}
