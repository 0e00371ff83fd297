import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ReportDocument } from '../server/runtime/api.js';
import { previousPeriod } from '../nodes/report/period.js';
import { reportConfig, TIME_ZONE } from './helpers/report-day.js';
import { api, killHard, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { attachedPdf, startSmtp, type ReceivedMail } from './helpers/smtp.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const flow = (port: number, schedule: string) => ({
  sluice: 1, id: 'site', name: 'Site',
  nodes: [{ id: 'daily', type: 'report', config: reportConfig({ schedule, to: ['manager@site.example'], smtp: { host: '127.0.0.1', port, security: 'none', timeoutMs: 120_000 } }) }],
  wires: [],
  settings: { tickMs: 200, checkpointIntervalMs: 200 },
});

async function documents(server: ServerProcess): Promise<ReportDocument[]> {
  return (await api<{ documents: ReportDocument[] }>(server, '/api/reports?flow=site')).documents;
}

/** Every mail of the edition carries the same Message-ID and the same PDF: the stored one. */
function assertOneContent(mails: ReceivedMail[], doc: ReportDocument): void {
  assert.ok(mails.length >= 1);
  for (const m of mails) {
    assert.equal(m.parsed.messageId, doc.messageId);
    assert.equal(sha(attachedPdf(m)), doc.sha256);
  }
  assert.equal(new Set(mails.map((m) => m.raw.toString('base64'))).size, 1, 'the messages are identical, headers and boundaries included');
}

test('SIGKILL while the SMTP server holds the DATA phase of a scheduled report: after the restart the period\'s report is delivered once', { timeout: 180_000 }, async (t) => {
  const dataDir = tempDir(t);
  let started: (partial: () => Buffer) => void = () => undefined;
  const dataBegan = new Promise<() => Buffer>((resolve) => { started = resolve; });
  let holding = true;
  const smtp = await startSmtp({
    // The first transaction never completes: the test kills Sluice while the server still reads it.
    holdData: (partial) => {
      if (!holding) return Promise.resolve();
      started(partial);
      return new Promise(() => undefined);
    },
  });
  t.after(() => smtp.close());
  let server = await startServer(dataDir);
  t.after(async () => { if (server.child.exitCode === null) await killHard(server); });
  await api(server, '/api/flows/site/deploy', { method: 'POST', body: flow(smtp.port, '* * * * *') });

  // Every minute: the first run after deploy covers the previous day.
  const partial = await dataBegan;
  const [doc] = await documents(server);
  assert.ok(doc, 'the document is stored before the mail goes out');
  assert.equal(doc.periodKey, previousPeriod('day', doc.asOf, TIME_ZONE).key);
  assert.deepEqual(doc.deliveries.map((d) => [d.target, d.state]), [['mail:manager@site.example', 'sending']]);
  await waitFor('the message\'s headers on the wire', () => partial().toString().includes('Message-ID'));
  assert.ok(partial().toString().includes(doc.messageId));
  await killHard(server);
  assert.equal(smtp.mails.length, 0, 'the killed transaction was not accepted');

  holding = false;
  server = await startServer(dataDir);
  await waitFor('the report delivered after the restart', () => smtp.mails.length >= 1, 60_000);
  const [after] = await documents(server);
  assert.equal(after!.sha256, doc.sha256, 'the same document');
  assert.equal(after!.id, doc.id);
  await waitFor('delivered in the sent log', async () => (await documents(server))[0]!.deliveries[0]!.state === 'delivered');
  // More ticks, and a later run of the same period, send nothing more.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(smtp.mails.length, 1, 'delivered once');
  assertOneContent(smtp.mails, after!);
  assert.equal((await documents(server)).length, 1);
  await stopGracefully(server);
});

test('SIGKILL right after the SMTP server accepted a report: a recipient gets at most the same mail again, never other contents', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t);
  let server: ServerProcess | undefined;
  let killed: Promise<void> | undefined;
  const smtp = await startSmtp({
    // Accept, and kill Sluice at the same moment: before or after it wrote "delivered", as a power cut would.
    accepted: () => {
      if (!killed && server) killed = killHard(server);
    },
  });
  t.after(() => smtp.close());
  server = await startServer(dataDir);
  t.after(async () => { if (server!.child.exitCode === null) await killHard(server!); });
  await api(server, '/api/flows/site/deploy', { method: 'POST', body: flow(smtp.port, '0 7 1 1 *') });
  const period = previousPeriod('day', Date.now(), TIME_ZONE).key;
  await api(server, '/api/reports/site/daily/run', { method: 'POST', body: { period } });
  await waitFor('the kill', () => killed !== undefined, 30_000);
  await killed;

  server = await startServer(dataDir);
  const live = server;
  const doc = (await waitFor('delivered in the sent log', async () => {
    const [d] = await documents(live);
    return d?.deliveries[0]?.state === 'delivered' ? d : undefined;
  }, 60_000))!;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(smtp.mails.length >= 1 && smtp.mails.length <= 2, `${smtp.mails.length} mails`);
  assertOneContent(smtp.mails, doc);
  assert.equal(doc.edition, `${period}-run1`);
  await stopGracefully(server);
});
