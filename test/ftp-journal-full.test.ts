import assert from 'node:assert/strict';
import { FTPError } from 'basic-ftp';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { received, sinkControl } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { PASSWORD, ftpPort, upload } from './helpers/ftp.js';
import { csvRows } from './helpers/ftp-flow.js';
import { waitFor } from './helpers/wait.js';

const ROWS = 20_000;

/** The server's answer to an upload, refusals included (basic-ftp throws them). */
async function answer(port: number, name: string, content: string): Promise<string> {
  try {
    return await upload(port, name, content);
  } catch (err) {
    if (err instanceof FTPError) return `${err.code} ${err.message}`;
    throw err;
  }
}

test('a full journal answers 452; the same file uploaded again continues where it stopped, a different one under that name is refused', async (t) => {
  const { runtime } = await openApp(t);
  const flowId = `ftp-full-${randomBytes(4).toString('hex')}`;
  const sinkId = `rows-${randomBytes(4).toString('hex')}`;
  sinkControl.set(sinkId, { failNext: 0, failAlways: true, calls: 0 });
  t.after(() => { sinkControl.delete(sinkId); received.delete(sinkId); });
  await runtime.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      { id: 'ftp', type: 'ftp-receiver', config: { port: 0, pasvMin: 31000, pasvMax: 31999, users: [{ name: 'site-a', password: PASSWORD }], timestamp: { field: 'ts', format: 'iso8601' } } },
      // Down until the test brings it back, retried meanwhile: the journal's backlog cannot shrink.
      { id: sinkId, type: 'test-sink', retry: { maxAttempts: 1000, backoffMs: 20, maxBackoffMs: 50, jitter: 0 } },
    ],
    wires: [{ from: 'ftp', to: sinkId }],
    settings: { quotaBytes: 600_000, checkpointIntervalMs: 50 },
  });
  const port = ftpPort(runtime, flowId);
  const stats = () => runtime.queryNode(flowId, 'ftp', 'stats', {}) as { files: number; records: number };
  const content = `ts,sensor,value\n${csvRows(ROWS)}\n`;

  assert.match(await answer(port, 'day.csv', content), /^452 .*journal full/);
  const journaled = runtime.status(flowId)!.journal!.head;
  assert.ok(journaled >= 1, 'part of the file was journaled before the quota was reached');

  const other = `ts,sensor,value\n${csvRows(10, ROWS)}\n`;
  assert.match(await answer(port, 'day.csv', other), /^550 .*partly ingested/);
  assert.equal(runtime.status(flowId)!.journal!.head, journaled, 'the different file journaled nothing');

  sinkControl.get(sinkId)!.failAlways = false;
  await waitFor('the backlog delivered', () => {
    const j = runtime.status(flowId)!.journal!;
    return j.checkpoint === j.head;
  }, 30_000);
  assert.match(await answer(port, 'day.csv', content), /^226/);
  await waitFor('every row at the sink', () => (received.get(sinkId)?.length ?? 0) >= ROWS, 30_000);
  const values = received.get(sinkId)!.map((r) => r.value as number);
  assert.equal(new Set(values).size, ROWS, 'every row of the file');
  assert.equal(values.length, ROWS, 'each row once');
  assert.equal(stats().records, ROWS);
});
