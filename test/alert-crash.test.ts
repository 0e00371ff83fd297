import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Alert, AlertDetail, FlowStatus } from '../server/runtime/api.js';
import { readNdjson } from './helpers/ndjson.js';
import { tempDir } from './helpers/temp-dir.js';
import { api, killHard, startServer, stopGracefully } from './helpers/server-process.js';
import { waitFor } from './helpers/wait.js';

const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));
const COUNT = 970;

/** One sensor, value `seq % 97`, `seq` as time: alerts fire at 51 + 97k and resolve at 97(k + 1). */
const flow = (file: string) => ({
  sluice: 1, id: 'alert-crash',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count: COUNT, batchSize: 5, sensors: 1, intervalMs: 10 } },
    { id: 'check', type: 'alert', config: { timeField: 'seq', rules: [{ id: 'high', op: '>', value: 50, hysteresis: 40 }] } },
    { id: 'out', type: 'test-sink', config: { file } },
  ],
  wires: [{ from: 'feed', to: 'check' }, { from: 'check', to: 'out' }],
  settings: { checkpointIntervalMs: 300 },
});

const emitted = (file: string): string[] => readNdjson<{ alertId: string; state: string }>(file).map((r) => `${r.alertId} ${r.state}`);

test('kill -9 mid-stream: the replay re-emits transitions, the store holds each alert and transition once', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'alerts.ndjson');
  const data = join(dir, 'data');
  let server = await startServer(data, ['--nodes', testNodes]);
  await api(server, '/api/flows/alert-crash/deploy', { method: 'POST', body: flow(file) });
  await waitFor('a few transitions', () => emitted(file).length >= 3);
  await killHard(server);

  server = await startServer(data, ['--nodes', testNodes]);
  const s = server;
  try {
    await waitFor('every reading judged and checkpointed', async () => {
      const status = await api<FlowStatus>(s, '/api/flows/alert-crash/status');
      return status.nodes.feed?.status.state === 'done' && status.journal!.checkpoint === status.journal!.head
        && emitted(file).some((e) => e.endsWith(`/${51 + 97 * 9} firing`));
    }, 60_000);

    const expected: string[] = [];
    for (let k = 0; k < 10; k++) {
      expected.push(`alert-crash/check/high/s0/${51 + 97 * k} firing`);
      if (97 * (k + 1) < COUNT) expected.push(`alert-crash/check/high/s0/${51 + 97 * k} resolved`);
    }
    const lines = emitted(file);
    assert.deepEqual([...new Set(lines)], expected, 'every transition reached the sink, in order');
    t.diagnostic(`${lines.length - expected.length} transitions re-emitted by the replay (at least once)`);

    const alerts = await api<Alert[]>(s, '/api/alerts?flow=alert-crash&limit=100');
    assert.deepEqual(alerts.map((a) => a.firedAt), Array.from({ length: 10 }, (_, k) => 51 + 97 * (9 - k)), 'one alert per excursion, no duplicate');
    for (const a of alerts) {
      const detail = await api<AlertDetail>(s, `/api/alerts/${encodeURIComponent(a.id)}`);
      assert.deepEqual(detail.history.map((h) => h.kind), a.state === 'resolved' ? ['fired', 'resolved'] : ['fired'], a.id);
    }
  } finally {
    assert.equal(await stopGracefully(s), 0);
  }
});
