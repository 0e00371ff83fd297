import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { received, testNodes } from './fixtures/test-nodes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

test('timers run on journaled ticks, so what they emit is reproducible from the journal', async (t) => {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(testNodes), log: silentLogger });
  t.after(() => manager.close());
  received.delete('pulses');
  await manager.deploy('ticks', {
    sluice: 1, id: 'ticks',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 400, batchSize: 10, intervalMs: 10 } },
      { id: 'pulse', type: 'test-pulse' },
      { id: 'pulses', type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'pulse' }, { from: 'pulse', to: 'pulses' }],
    settings: { tickMs: 100 },
  });
  const sum = () => (received.get('pulses') ?? []).reduce((n, r) => n + (r.records as number), 0);
  await waitFor('every record counted by a tick', () => sum() === 400);

  const entries = [];
  for await (const e of manager.journal('ticks', 0, 10_000)) entries.push(e);
  const ticks = entries.filter((e) => e.kind === 'tick');
  assert.ok(ticks.length >= 3, `ticks are journal entries (${ticks.length})`);
  assert.ok(ticks.every((e) => e.records.length === 0 && e.node === ''));
  const tickTimes = new Set(ticks.map((e) => e.ts));
  const pulses = received.get('pulses')!;
  assert.ok(pulses.every((p) => tickTimes.has(p.at as number)), 'a timer sees the journaled time, not the clock');

  // Replaying the journal reproduces the timer's output exactly: count records between ticks.
  const expected: { at: number; records: number }[] = [];
  let pending = 0;
  for (const e of entries) {
    if (e.kind === 'data') pending += e.records.length;
    else if (e.kind === 'tick' && pending > 0) {
      expected.push({ at: e.ts, records: pending });
      pending = 0;
    }
  }
  assert.deepEqual(pulses, expected);
});
