import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { startIlpServer, type IlpTestServer } from './fixtures/ilp-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMB = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

const OUTAGE_MS = 60_000;
const RATE = 2000;

const flow = (s: IlpTestServer, limit: number, quotaBytes?: number) => ({
  sluice: 1, id: 'qdb-outage',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 20, ratePerSecond: RATE, batchMs: 100, limit, retryMs: 50 } },
    { id: 'db', type: 'questdb', config: {
      address: s.url, table: 'readings', columns: { sensor: 'symbol', seq: 'long', value: 'double' }, dedupKeys: ['sensor', 'seq'], requestTimeoutMs: 1000,
    }, retry: { maxAttempts: 1000, backoffMs: 100, maxBackoffMs: 1000, jitter: 0 } },
  ],
  wires: [{ from: 'sim', to: 'db' }],
  settings: { checkpointIntervalMs: 500, ...(quotaBytes ? { quotaBytes } : {}) },
});

async function open(t: Parameters<typeof tempDir>[0]): Promise<{ manager: RuntimeManager; s: IlpTestServer }> {
  const s = await startIlpServer();
  t.after(() => s.close());
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(builtinNodes), log: silentLogger });
  t.after(() => manager.close());
  return { manager, s };
}

/** Every simulated reading exactly once by its key, and nothing the source never made. */
function assertEveryReadingOnce(s: IlpTestServer, limit: number): void {
  const rows = s.rows('readings');
  const seqs = new Set(rows.map((r) => Number(r.seq)));
  assert.equal(rows.length, limit, 'one row per reading after dedup');
  assert.equal(seqs.size, limit, 'no reading twice under different keys');
  assert.ok([...seqs].every((q) => q >= 0 && q < limit), 'only readings the source made');
}

test(`QuestDB down for ${OUTAGE_MS / 1000} s under a steady stream: the journal grows, the heap stays flat, the status shows the outage, then every reading arrives once`, { timeout: OUTAGE_MS + 90_000 }, async (t) => {
  const { manager, s } = await open(t);
  const limit = RATE * (OUTAGE_MS / 1000 + 15);
  await manager.deploy('qdb-outage', flow(s, limit));
  const status = () => manager.status('qdb-outage')!;
  await waitFor('rows flowing into QuestDB', () => s.rows('readings').length >= RATE * 2);

  await s.down();
  const downAt = Date.now();
  const heapAtStart = heapMB();
  const backlogAtStart = status().journal!.backlogBytes;
  const heapSamples: number[] = [];
  while (Date.now() - downAt < OUTAGE_MS) {
    await delay(5000);
    heapSamples.push(heapMB());
  }
  const during = status();
  const sink = during.nodes.db!;
  t.diagnostic(`after ${OUTAGE_MS / 1000} s down: journal backlog ${(backlogAtStart / 1e6).toFixed(2)} → ${(during.journal!.backlogBytes / 1e6).toFixed(2)} MB; heap ${heapAtStart.toFixed(1)} MB, samples ${heapSamples.map((h) => h.toFixed(1)).join(' ')} MB; status "${sink.status.text}"`);
  assert.equal(sink.status.state, 'retrying');
  assert.match(sink.status.text ?? '', /QuestDB at http:\/\/127\.0\.0\.1:\d+ did not answer: connect ECONNREFUSED/, 'the status names the outage and its last error');
  assert.match(sink.lastError?.message ?? '', /QuestDB/);
  assert.ok(during.journal!.backlogBytes > backlogAtStart + RATE * (OUTAGE_MS / 1000) * 40, 'the readings wait in the journal');
  assert.equal(during.nodes.sim!.status.state, 'running', 'the source keeps being accepted');
  // What the heap gains is the journal's cache of recent entries (at most 32 MB of JSON, dropped past that), not the sink:
  // the sink holds one batch, and a failed attempt leaves nothing behind.
  assert.ok(Math.max(...heapSamples) - heapAtStart < 24, `the heap does not hold the backlog (${heapAtStart.toFixed(1)} → max ${Math.max(...heapSamples).toFixed(1)} MB)`);

  await s.up();
  await waitFor('every reading in QuestDB after the outage', () => s.rows('readings').length >= limit && status().journal!.checkpoint === status().journal!.head, 90_000);
  assertEveryReadingOnce(s, limit);
  assert.equal(status().deadLetters, 0);
  assert.equal(status().nodes.db!.status.state, 'running');
  t.diagnostic(`rows the server saw twice before dedup: ${s.stats.rowsSeenTwice}`);
});

test('with QuestDB down and the journal quota reached, the source is refused politely; nothing is lost when it returns', { timeout: 120_000 }, async (t) => {
  const { manager, s } = await open(t);
  const limit = 60_000;
  await s.down();
  await manager.deploy('qdb-outage', { ...flow(s, limit, 1_500_000), nodes: flow(s, limit).nodes.map((n) => (n.id === 'sim' ? { ...n, config: { ...n.config, ratePerSecond: 0, batchSize: 2000 } } : n)) });
  await waitFor('the source to be refused', () => manager.status('qdb-outage')!.nodes.sim!.status.state === 'refused', 60_000);
  assert.match(manager.status('qdb-outage')!.nodes.sim!.status.text ?? '', /journal full/);
  assert.ok(manager.status('qdb-outage')!.journal!.backlogBytes <= 1_500_000);
  await s.up();
  await waitFor('every reading delivered', () => s.rows('readings').length >= limit && manager.status('qdb-outage')!.nodes.sim!.status.state === 'done', 90_000);
  assertEveryReadingOnce(s, limit);
});
