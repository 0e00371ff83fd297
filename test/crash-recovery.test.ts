import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { FlowStatus } from '../server/runtime/api.js';
import { readNdjson } from './helpers/ndjson.js';
import { tempDir } from './helpers/temp-dir.js';
import { api, killHard, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { waitFor } from './helpers/wait.js';

const READINGS = 200_000;
const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));

const flow = (dir: string) => ({
  sluice: 1, id: 'crash',
  nodes: [
    { id: 'sim', type: 'simulate', config: {
      sensors: 50, ratePerSecond: 40_000, batchMs: 20, limit: READINGS, seed: 7, malformedRatio: 0.01,
      value: { base: 20, amplitude: 0, noise: 2, drift: 0 },
    } },
    { id: 'check', type: 'validate', config: { ranges: { value: { min: -100, max: 100 } } } },
    { id: 'tally', type: 'test-tally' },
    { id: 'sink', type: 'test-sink', config: { file: join(dir, 'valid.ndjson') } },
    { id: 'rejects', type: 'test-sink', config: { file: join(dir, 'invalid.ndjson') } },
  ],
  wires: [
    { from: 'sim', to: 'check' }, { from: 'check', to: 'tally' }, { from: 'tally', to: 'sink' },
    { from: 'check:invalid', to: 'rejects' },
  ],
  settings: { checkpointIntervalMs: 200 },
});

/** Sequence numbers the sinks received: valid readings and the invalid ones (wrapped by validate). */
function delivered(dir: string): { lines: number; distinct: Set<number> } {
  const distinct = new Set<number>();
  let lines = 0;
  for (const file of ['valid.ndjson', 'invalid.ndjson']) {
    for (const r of readNdjson<{ seq?: number; record?: { seq: number } }>(join(dir, file))) {
      distinct.add(r.seq ?? r.record!.seq);
      lines++;
    }
  }
  return { lines, distinct };
}

async function finished(server: ServerProcess, dir: string): Promise<boolean> {
  const status = await api<FlowStatus>(server, '/api/flows/crash/status');
  const j = status.journal!;
  return status.nodes.sim?.status.state === 'done' && j.checkpoint === j.head && delivered(dir).distinct.size >= READINGS;
}

async function runToEnd(dataDir: string, outDir: string, kills: number): Promise<{ tally: unknown; atKills: number[] }> {
  const atKills: number[] = [];
  let server = await startServer(dataDir, ['--nodes', testNodes]);
  await api(server, '/api/flows/crash/deploy', { method: 'POST', body: flow(outDir) });
  for (let k = 0; k < kills; k++) {
    // A random point of the ingestion: somewhere in the first 0.3 to 1.2 s of each life.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
    atKills.push(delivered(outDir).distinct.size);
    await killHard(server);
    server = await startServer(dataDir, ['--nodes', testNodes]);
  }
  const s = server;
  try {
    await waitFor('every reading at the sinks and a final checkpoint', () => finished(s, outDir), 60_000);
    const tally = await api(s, '/api/flows/crash/nodes/tally/state');
    return { tally, atKills };
  } finally {
    assert.equal(await stopGracefully(s), 0, 'a graceful stop exits 0');
  }
}

test(`SIGKILL three times while ${READINGS} readings stream through: nothing acknowledged is lost, state is exact`, { timeout: 180_000 }, async (t) => {
  const reference = tempDir(t);
  const crashed = tempDir(t);
  const calm = await runToEnd(join(reference, 'data'), reference, 0);
  const rough = await runToEnd(join(crashed, 'data'), crashed, 3);

  assert.equal(rough.atKills.length, 3);
  assert.ok(rough.atKills.every((n) => n < READINGS), `every kill hit mid-stream (delivered at each kill: ${rough.atKills.join(', ')})`);
  const { lines, distinct } = delivered(crashed);
  assert.equal(distinct.size, READINGS, 'every acknowledged reading reached a sink');
  assert.ok([...distinct].every((seq) => seq >= 0 && seq < READINGS), 'no reading the source never made');
  const duplicates = lines - distinct.size;
  t.diagnostic(`crash run: killed at ${rough.atKills.join(', ')} delivered; ${READINGS} readings, ${duplicates} redelivered (at-least-once; a keyed sink dedups them)`);
  assert.deepEqual(rough.tally, calm.tally, 'the stateful node ends exactly as in a run without crashes');
  const reference_ = delivered(reference);
  assert.equal(reference_.lines, READINGS, 'without crashes, every reading is delivered exactly once');
});
