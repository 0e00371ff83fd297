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
 * Rows per second through the QuestDB sink's process() into the strict ILP test server running in a
 * child process (it parses and type-checks every line): readings of 100 sensors in batches of
 * `batchSize`, each batch acknowledged before the next, as the executor drives a sink.
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
