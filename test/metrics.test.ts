import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packageVersion } from '../server/cli/package-root.js';
import { openApp } from './helpers/api-app.js';
import { parseExposition } from './helpers/prometheus.js';
import { waitFor } from './helpers/wait.js';

test('/metrics on a server with no flows answers the process, Node.js and build figures', async (t) => {
  const { app } = await openApp(t);
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const samples = parseExposition(res.body);
  for (const name of [
    'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_start_time_seconds',
    'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_active_handles_total',
  ]) assert.ok(samples.has(name), `${name} in ${[...samples.keys()].slice(0, 20).join(', ')}…`);
  assert.ok(samples.get('process_resident_memory_bytes')! > 10_000_000);
  assert.ok([...samples.keys()].some((k) => k.startsWith('nodejs_version_info{')));
  assert.equal(samples.get(`sluice_build_info{node="${process.version}",version="${packageVersion()}"}`), 1);
  assert.ok(![...samples.keys()].some((k) => k.startsWith('sluice_flow_up')), 'no flow, no flow figures');
});

test('the whole /metrics answer of a busy server parses as Prometheus text, scrape after scrape, and counters only grow', async (t) => {
  const { app } = await openApp(t);
  const busy = (id: string) => ({
    sluice: 1, id,
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 50, ratePerSecond: 5000, batchMs: 20, malformedRatio: 0.1 } },
      { id: 'check', type: 'validate', config: { required: ['ts', 'sensor', 'value'] } },
      { id: 'hot', type: 'alert', config: { rules: [{ id: 'hot', kind: 'threshold', field: 'value', op: '>', value: 22 }] } },
      { id: 'show', type: 'debug', config: { maxPerBatch: 1 } },
    ],
    wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'show' }, { from: 'check:invalid', to: 'show' }, { from: 'check', to: 'hot' }],
  });
  for (const id of ['busy-a', 'busy-b']) assert.equal((await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: busy(id) })).statusCode, 200);
  // A flow that failed to start is reported too (up 0), beside the running ones.
  const failing = { sluice: 1, id: 'broken', nodes: [{ id: 'feed', type: 'test-feed', config: { failStart: true } }], wires: [] };
  await app.inject({ method: 'POST', url: '/api/flows/broken/deploy', payload: failing });

  const scrape = async () => parseExposition((await app.inject({ url: '/metrics' })).body);
  const inOf = (s: Map<string, number>, flow = 'busy-a') => s.get(`sluice_node_records_in_total{flow="${flow}",node="check",type="validate"}`) ?? 0;
  const first = (await waitFor('records through both busy flows', async () => {
    const s = await scrape();
    const invalid = s.get('sluice_node_records_out_total{flow="busy-b",node="check",port="invalid",type="validate"}') ?? 0;
    return inOf(s) > 0 && invalid > 0 ? s : null;
  }))!;
  assert.equal(first.get('sluice_flow_up{flow="busy-a"}'), 1);
  assert.equal(first.get('sluice_flow_up{flow="broken"}'), 0);
  assert.ok(first.has('process_cpu_system_seconds_total'));
  let previous: Map<string, number> = first;
  for (let i = 0; i < 5; i++) {
    const next = await scrape();
    for (const [key, value] of previous) {
      if (/^sluice_node_\w+_total\{/.test(key)) assert.ok(next.get(key)! >= value, `${key} went from ${value} to ${next.get(key)}`);
    }
    previous = next;
  }
  await waitFor('the counters to move on between scrapes', async () => inOf(await scrape()) > inOf(first));
});
