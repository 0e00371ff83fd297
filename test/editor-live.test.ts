import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '../server/runtime/api.js';
import { received, sinkControl } from './fixtures/test-nodes.js';
import { canvasNode, flowUrl, LONG, openEditorPage, serveEditor } from './helpers/editor-page.js';
import { waitFor } from './helpers/wait.js';

/* The live side panels and node badges, against a running flow of the test node types. */

/** test-feed → test-sink `sinkId`, whose failures the test steers through `sinkControl`. */
const feedIntoSink = (id: string, sinkId: string, count: number, retry: { maxAttempts: number; backoffMs: number }) => ({
  sluice: 1, id, name: id,
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count, batchSize: 10 }, position: { x: 0, y: 0 } },
    { id: sinkId, type: 'test-sink', retry: { ...retry, maxBackoffMs: retry.backoffMs, jitter: 0 }, position: { x: 300, y: 0 } },
  ],
  wires: [{ from: 'feed', to: sinkId }],
});

test('dead letters: the sidebar lists them, inspect shows the records and the reason, replay re-delivers, discard removes', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  // The sink fails every call until the test repairs it: 3 batches of 10 become 3 dead letters after 2 attempts.
  sinkControl.set('down', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => sinkControl.delete('down'));
  received.delete('down');
  await runtime.deploy('dl', feedIntoSink('dl', 'down', 30, { maxAttempts: 2, backoffMs: 1 }));
  const apiLetters = () => runtime.deadLetters('dl', { limit: 100 });
  await waitFor('3 dead letters on the server', async () => (await apiLetters()).length === 3, LONG);

  const { page, errors } = await openEditorPage(await browser.newContext({ viewport: { width: 1440, height: 900 } }), flowUrl(base, 'dl'));
  await page.getByRole('tab', { name: 'Dead letters' }).click();
  const panel = page.getByTestId('dead-letters');
  const items = panel.getByTestId('dead-letter');
  await waitFor('3 dead letters in the sidebar', async () => (await items.count()) === 3, LONG);
  const first = items.first();
  assert.match(await first.textContent() ?? '', /down.*10 records · 2 attempts.*sink down is down/);
  await first.locator('.sl-debug-summary').click();
  const shown = JSON.parse(await first.locator('pre').textContent() ?? '') as { seq: number }[];
  assert.deepEqual(shown.map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'inspect shows the records that failed');

  sinkControl.set('down', { failNext: 0, failAlways: false, calls: 0 });
  await first.getByRole('button', { name: 'Replay' }).click();
  await waitFor('the replayed records delivered', () => (received.get('down') ?? []).length === 10, LONG);
  assert.deepEqual(received.get('down')!.map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await waitFor('2 pending in the sidebar', async () => (await items.count()) === 2, LONG);

  await items.first().getByRole('button', { name: 'Discard' }).click();
  await waitFor('1 pending in the sidebar', async () => (await items.count()) === 1, LONG);
  assert.deepEqual((await apiLetters()).map((l) => l.state), ['replayed', 'discarded', 'pending']);
  assert.equal((received.get('down') ?? []).length, 10, 'a discarded letter is not delivered');
  assert.deepEqual(errors, []);
});

test('alerts: a firing alert appears in the panel, is acknowledged, then resolved with a note; the server agrees after each click', async (t) => {
  const { base, runtime, browser, auth } = await serveEditor(t);
  // One sensor whose value is seq % 97, seq as time: above 50 from seq 51 on, and never back below in 60 readings.
  await runtime.deploy('watch', {
    sluice: 1, id: 'watch', name: 'Watched',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 60, batchSize: 10, sensors: 1 }, position: { x: 0, y: 0 } },
      { id: 'hot', type: 'alert', config: { timeField: 'seq', rules: [{ id: 'high', kind: 'threshold', op: '>', value: 50, severity: 'critical', message: '{sensor} is at {value}' }] }, position: { x: 300, y: 0 } },
    ],
    wires: [{ from: 'feed', to: 'hot' }],
    settings: { tickMs: 50 },
  });
  const server = async (): Promise<Alert[]> => {
    const res = await fetch(`${base}/api/alerts?flow=watch`, { headers: auth });
    assert.equal(res.status, 200);
    return await res.json() as Alert[];
  };
  await waitFor('the alert fired on the server', async () => (await server()).length === 1, LONG);

  const { page, errors } = await openEditorPage(await browser.newContext({ viewport: { width: 1440, height: 900 } }), flowUrl(base, 'watch'));
  await page.getByRole('tab', { name: 'Alerts' }).click();
  const item = page.getByTestId('alerts').getByTestId('alert');
  await item.waitFor({ timeout: LONG });
  assert.match(await item.textContent() ?? '', /s0.*critical.*firing.*s0 is at 51/);

  await item.getByLabel('Note').fill('looking at the valve');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await waitFor('acknowledged in the panel', async () => /acknowledged/.test(await item.textContent() ?? ''), LONG);
  const acknowledged = (await server())[0]!;
  assert.equal(acknowledged.state, 'acknowledged');
  assert.equal(acknowledged.acknowledgeNote, 'looking at the valve');
  assert.equal(acknowledged.acknowledgedBy, 'test-admin', 'by the logged-in user (serveEditor logs every page in as test-admin)');
  assert.equal(await item.getByRole('button', { name: 'Acknowledge' }).count(), 0, 'an acknowledged alert cannot be acknowledged again');

  await item.getByLabel('Note').fill('valve replaced');
  await item.getByRole('button', { name: 'Resolve' }).click();
  await waitFor('resolved in the panel', async () => /resolved/.test(await item.textContent() ?? ''), LONG);
  const resolved = (await server())[0]!;
  assert.equal(resolved.state, 'resolved');
  assert.equal(resolved.resolution, 'manual');
  assert.equal(resolved.resolveNote, 'valve replaced');
  assert.match(await item.textContent() ?? '', /valve replaced/, 'the note is shown');
  assert.equal(await item.getByRole('button').count(), 0, 'nothing left to do on a resolved alert');
  assert.deepEqual(errors, []);
});

test('node badges: a failing sink shows "retrying" with its attempt, then the error once its attempts are spent', async (t) => {
  const { base, runtime, browser } = await serveEditor(t);
  sinkControl.set('flaky', { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => sinkControl.delete('flaky'));
  // Long backoffs keep each attempt on screen for seconds.
  await runtime.deploy('badges', feedIntoSink('badges', 'flaky', 10, { maxAttempts: 3, backoffMs: 4000 }));
  const { page, errors } = await openEditorPage(await browser.newContext({ viewport: { width: 1440, height: 900 } }), flowUrl(base, 'badges'));
  const flaky = canvasNode(page, 'flaky');
  await flaky.waitFor({ timeout: LONG });
  const badge = flaky.getByTestId('node-status');
  const text = flaky.locator('.sl-node-status-text');
  await waitFor('the retrying badge', async () => /^retrying/.test(await badge.textContent() ?? ''), LONG);
  assert.match(await badge.textContent() ?? '', /^retrying \(attempt [23]\)$/);
  assert.match(await text.textContent() ?? '', /^attempt [23] of 3: sink flaky is down$/);
  assert.match(await badge.getAttribute('class') ?? '', /sl-tone-warn/);
  await waitFor('the third attempt', async () => (await badge.textContent()) === 'retrying (attempt 3)', LONG);
  assert.match(await text.textContent() ?? '', /^attempt 3 of 3: /);
  await waitFor('the error badge', async () => (await badge.textContent()) === 'error', LONG);
  assert.equal(await text.textContent(), '10 records failed after 3 attempts: sink flaky is down');
  assert.match(await badge.getAttribute('class') ?? '', /sl-tone-error/);
  await waitFor('the failure counted on the node', async () => /[1-9]\d* errors/.test(await flaky.getByTestId('errors').textContent() ?? ''), LONG);
  assert.deepEqual(errors, []);
});
