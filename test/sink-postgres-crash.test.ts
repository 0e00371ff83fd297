import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { PG, pgSchema, storedSeqs } from './helpers/postgres.js';
import { api, killHard, startServer, stopGracefully } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const READINGS = 100_000;
const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));

const flow = (schema: string) => ({
  sluice: 1, id: 'pg-crash',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: READINGS, batchSize: 250, intervalMs: 10 } },
    { id: 'pg', type: 'postgres', config: {
      connection: { host: PG.host, port: PG.port }, schema, table: 'readings', key: ['seq'],
      columns: [{ name: 'seq', type: 'integer' }, { name: 'sensor', type: 'text' }, { name: 'value', type: 'integer' }],
    } },
  ],
  wires: [{ from: 'feed', to: 'pg' }],
  settings: { checkpointIntervalMs: 300 },
});

test(`SIGKILL three times while ${READINGS} readings flow into PostgreSQL: zero lost, zero duplicated`, { timeout: 180_000 }, async (t) => {
  const db = await pgSchema(t);
  const dataDir = tempDir(t);
  let server = await startServer(dataDir, ['--nodes', testNodes]);
  await api(server, '/api/flows/pg-crash/deploy', { method: 'POST', body: flow(db.name) });
  const atKills: number[] = [];
  // Kill at fixed points of the stream, whatever the machine's speed: a third, half and two thirds in.
  for (const share of [0.3, 0.5, 0.7]) {
    await waitFor(`${share * READINGS} rows`, async () => (await storedSeqs(db)).rows >= share * READINGS, 60_000);
    atKills.push((await storedSeqs(db)).rows);
    await killHard(server);
    server = await startServer(dataDir, ['--nodes', testNodes]);
  }
  const s = server;
  try {
    await waitFor(`all ${READINGS} rows`, async () => (await storedSeqs(db)).rows >= READINGS, 90_000);
  } finally {
    assert.equal(await stopGracefully(s), 0, 'a graceful stop exits 0');
  }
  assert.ok(atKills.every((n) => n < READINGS), `every kill hit mid-stream (rows at each kill: ${atKills.join(', ')})`);
  assert.deepEqual(await storedSeqs(db), { rows: READINGS, distinct: READINGS });
  t.diagnostic(`killed with ${atKills.join(', ')} rows stored; ${READINGS} rows in the end, each once`);
});
