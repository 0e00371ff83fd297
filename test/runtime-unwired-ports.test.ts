import assert from 'node:assert/strict';
import { test } from 'node:test';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

test('records on an unwired port other than out (here validate:invalid) are kept as dead letters with their reasons', async (t) => {
  const { runtime } = await openApp(t);
  received.delete('sink');
  await runtime.deploy('unwired', {
    sluice: 1, id: 'unwired',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 100, batchSize: 50 } },
      { id: 'check', type: 'validate', config: { required: ['seq'], numeric: [], ranges: { value: { max: 90 } } } },
      { id: 'sink', type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'check' }, { from: 'check', to: 'sink' }],
  });
  // test-feed's values are seq % 97: seq 91 to 96 are above 90, all in the second batch of 50.
  await waitFor('a dead letter', () => runtime.status('unwired')!.deadLetters === 1);
  const [letter] = await runtime.deadLetters('unwired', {});
  assert.equal(letter!.nodeId, 'check');
  assert.equal(letter!.error, '6 records left by the unwired port "invalid"');
  const kept = letter!.records as { record: { seq: number }; reason: string }[];
  assert.deepEqual(kept.map((r) => r.record.seq), [91, 92, 93, 94, 95, 96]);
  assert.equal(kept[0]!.reason, 'value: 91 is above max 90');
  assert.equal((received.get('sink') ?? []).length, 94, 'the valid records went on');
});
