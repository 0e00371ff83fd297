import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { DeadLetter, FlowStatus, ReportDocument } from '../server/runtime/api.js';
import { openApp, type OpenedApp } from './helpers/api-app.js';
import { DAY_KEY, reportConfig } from './helpers/report-day.js';
import { attachedPdf, pdfText, startSmtp } from './helpers/smtp.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A report node alone: nothing feeds it, so its period has no data. */
const lonelyReport = (port: number, to: string[]) => ({
  sluice: 1, id: 'mailing', name: 'Mailing',
  nodes: [{ id: 'report', type: 'report', config: reportConfig({ to, smtp: { host: '127.0.0.1', port, security: 'none', timeoutMs: 5000 } }), retry: { maxAttempts: 2, backoffMs: 50, maxBackoffMs: 100 } }],
  wires: [],
  settings: { tickMs: 100 },
});

async function runAndFail(app: OpenedApp['app']): Promise<{ letter: DeadLetter; status: FlowStatus; document: ReportDocument }> {
  const asked = await app.inject({ method: 'POST', url: '/api/reports/mailing/report/run', payload: { period: DAY_KEY } });
  assert.equal(asked.statusCode, 202, asked.body);
  const letter = await waitFor('the run kept as a dead letter', async () => ((await app.inject('/api/flows/mailing/dead-letters')).json() as DeadLetter[])[0]);
  const status = (await app.inject('/api/flows/mailing/status')).json() as FlowStatus;
  const document = ((await app.inject('/api/reports?flow=mailing')).json() as { documents: ReportDocument[] }).documents[0]!;
  return { letter, status, document };
}

test('a 550 from the SMTP server is in the status and the dead letter; a replay after the fix delivers the stored "no data" report to whoever was refused, only', async (t) => {
  let refusing = true;
  const smtp = await startSmtp({ refuse: (a) => (refusing && a === 'refused@site.example' ? { code: 550, text: '5.1.1 <refused@site.example>: Recipient address rejected: User unknown' } : undefined) });
  t.after(() => smtp.close());
  const { app } = await openApp(t);
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows/mailing/deploy', payload: lonelyReport(smtp.port, ['ok@site.example', 'refused@site.example']) })).statusCode, 200);

  const { letter, status, document } = await runAndFail(app);
  const reason = `SMTP 127.0.0.1:${smtp.port} answered 550 5.1.1 <refused@site.example>: Recipient address rejected: User unknown`;
  assert.ok(letter.error.includes(reason), `the dead letter says why: ${letter.error}`);
  assert.equal(letter.attempts, 2, 'after the retry policy\'s attempts');
  assert.equal(status.nodes.report!.status.state, 'error');
  assert.ok(status.nodes.report!.status.text!.includes(reason), `the status says why: ${status.nodes.report!.status.text}`);
  assert.deepEqual(document.deliveries.map((d) => [d.target, d.state, d.attempts]), [['mail:ok@site.example', 'delivered', 1], ['mail:refused@site.example', 'failed', 2]]);
  assert.deepEqual(smtp.mails.map((m) => m.to), [['ok@site.example']], 'the retry did not mail the accepted recipient again');

  refusing = false;
  assert.equal((await app.inject({ method: 'POST', url: `/api/flows/mailing/dead-letters/${letter.id}/replay` })).statusCode, 202);
  await waitFor('the refused recipient\'s mail', () => smtp.mails.length === 2);
  assert.deepEqual(smtp.mails[1]!.to, ['refused@site.example']);
  const [first, second] = smtp.mails.map(attachedPdf);
  assert.equal(sha(first!), document.sha256);
  assert.equal(sha(second!), document.sha256, 'the replay sent the stored document, not a new one');
  assert.equal(smtp.mails[0]!.parsed.messageId, smtp.mails[1]!.parsed.messageId);
  // The SMTP server has the mail before the node reads its 250, which marks the delivery.
  const after = (await waitFor('the replayed delivery marked', async () => {
    const documents = ((await app.inject('/api/reports?flow=mailing')).json() as { documents: ReportDocument[] }).documents;
    return documents.every((d) => d.deliveries.every((x) => x.state !== 'sending')) ? documents : undefined;
  }))!;
  assert.equal(after.length, 1);
  assert.ok(after[0]!.deliveries.every((d) => d.state === 'delivered'), JSON.stringify(after[0]!.deliveries));

  // Nothing was fed to the report: a "no data" report, not an error.
  const text = pdfText(first!, tempDir(t));
  assert.match(text, /No data: no readings were received from any sensor during this period/);
  assert.match(smtp.mails[0]!.parsed.text ?? '', /NO DATA: no readings were received/);
  assert.ok(/dust-north\s+Dust PM10\s+1380\s+0\s+0\.0 %/.test(text) && /dust-south\s+Dust PM10\s+1380\s+0\s+0\.0 %/.test(text), 'the expected sensors, at 0 %');
});

test('an SMTP server that cannot be reached is in the status and the dead letter; once it is up, a replay delivers', async (t) => {
  const probe = await startSmtp();
  const port = probe.port;
  await probe.close();
  const { app } = await openApp(t);
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows/mailing/deploy', payload: lonelyReport(port, ['ops@site.example']) })).statusCode, 200);
  const { letter, status, document } = await runAndFail(app);
  const reason = new RegExp(`SMTP 127\\.0\\.0\\.1:${port} could not be reached \\(E[A-Z]+\\): connect ECONNREFUSED`);
  assert.match(letter.error, reason);
  assert.match(status.nodes.report!.status.text!, reason);
  assert.match(document.deliveries[0]!.detail!, reason);

  const smtp = await startSmtp({ port });
  t.after(() => smtp.close());
  assert.equal((await app.inject({ method: 'POST', url: `/api/flows/mailing/dead-letters/${letter.id}/replay` })).statusCode, 202);
  await waitFor('the mail', () => smtp.mails.length === 1);
  assert.equal(sha(attachedPdf(smtp.mails[0]!)), document.sha256);
  const audit = (await app.inject('/api/audit?action=report.send')).json() as { target: string }[];
  assert.deepEqual(audit.map((e) => e.target), [`mailing/report/${DAY_KEY}-run1`]);
});

test('Run now refuses a period that is not over or not of the report\'s kind, and a node that is not a report', async (t) => {
  const { app } = await openApp(t);
  assert.equal((await app.inject({ method: 'POST', url: '/api/flows/mailing/deploy', payload: lonelyReport(1, ['ops@site.example']) })).statusCode, 200);
  const run = (period: string, node = 'report') => app.inject({ method: 'POST', url: `/api/reports/mailing/${node}/run`, payload: { period } });
  const message = async (period: string) => ((await run(period)).json() as { message: string }).message;
  assert.match(await message('2026-W13'), /"2026-W13" is not a day \(e\.g\. 2026-03-29\)/);
  assert.match(await message('2999-01-01'), /2999-01-01 is not over yet/);
  assert.equal((await run(DAY_KEY, 'nobody')).statusCode, 404);
});
