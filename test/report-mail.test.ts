import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReportDocument, ReportInfo } from '../server/runtime/api.js';
import { openApp } from './helpers/api-app.js';
import { formatDuration } from '../nodes/dashboard/look.js';
import { attachedPdf, pdfPagePng, pdfText, startSmtp } from './helpers/smtp.js';
import {
  DAY_KEY, dust, FROM, londonMinute, MINUTES, noise1, noise2, refused, reportConfig, temperature, TO, vibration, writeNdjson, type Window,
} from './helpers/report-day.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Numbers as the report prints them: fixed decimals, digits grouped by a space past four. */
const num = (v: number, decimals: number) => {
  const [whole, fraction] = v.toFixed(decimals).split('.');
  const grouped = whole!.length > 4 ? whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : whole!;
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
};
const pct = (share: number) => `${num(share * 100, 1)} %`;
const energyMean = (rows: Window[]) => 10 * Math.log10(rows.reduce((s, r) => s + 10 ** (r.value_mean / 10), 0) / rows.length);
/** The line of a table (pdftotext -layout keeps a row on one line) that starts with these words. */
const row = (text: string, ...starts: string[]) => text.split('\n').find((l) => starts.every((s) => l.includes(s)) && l.trim().startsWith(starts[0]!));

/** Rollup windows of a day through file feeds into a report node, and alerts on vibration and dust. */
function reportFlow(dir: string, smtpPort: number, extra: object = {}) {
  const feeds = { noise: [...noise1(), ...noise2()], vib: vibration(), dust: dust(), temp: temperature(), bad: refused() };
  return {
    sluice: 1, id: 'report-flow', name: 'Report flow',
    nodes: [
      ...Object.entries(feeds).map(([id, rows]) => ({ id: `feed-${id}`, type: 'test-file-feed', config: { file: writeNdjson(dir, id, rows), batchSize: 500 } })),
      { id: 'vib-alerts', type: 'alert', config: { keyBy: 'sensor', timeField: 'window_end', rules: [{ id: 'ppv-limit', field: 'value_max', op: '>', value: 5, hysteresis: 0.5, severity: 'critical', message: '{sensor}: peak PPV {value} mm/s ({state})' }] } },
      { id: 'dust-alerts', type: 'alert', config: { keyBy: 'sensor', timeField: 'window_end', rules: [{ id: 'pm10-action', field: 'value_mean', op: '>', value: 190, hysteresis: 20, severity: 'warning', message: '{sensor}: PM10 {value} µg/m³ ({state})' }] } },
      { id: 'report', type: 'report', config: reportConfig({ to: ['site.manager@site.example'], cc: ['client@client.example'], smtp: { host: '127.0.0.1', port: smtpPort, security: 'none' }, ...extra }),
        retry: { maxAttempts: 2, backoffMs: 50, maxBackoffMs: 100 } },
    ],
    wires: [
      ...Object.keys(feeds).map((id) => ({ from: `feed-${id}`, to: 'report' })),
      { from: 'feed-vib', to: 'vib-alerts' }, { from: 'feed-dust', to: 'dust-alerts' },
    ],
    settings: { tickMs: 100, checkpointIntervalMs: 200 },
  };
}

test('a report run mails the PDF; its text holds the figures computed here: alerts and durations, exceedances, means, completeness', async (t) => {
  const dir = tempDir(t);
  const smtp = await startSmtp();
  t.after(() => smtp.close());
  const { app } = await openApp(t);
  const deployed = await app.inject({ method: 'POST', url: '/api/flows/report-flow/deploy', payload: reportFlow(dir, smtp.port) });
  assert.equal(deployed.statusCode, 200, deployed.body);
  await waitFor('every feed journaled and processed', async () => {
    const s = (await app.inject('/api/flows/report-flow/status')).json() as { journal: { head: number; checkpoint: number }; nodes: { [id: string]: { status: { state: string } } } };
    return Object.keys(s.nodes).filter((n) => n.startsWith('feed-')).every((n) => s.nodes[n]!.status.state === 'done') && s.journal.checkpoint === s.journal.head;
  });
  const alerts = (await app.inject('/api/alerts?flow=report-flow')).json() as { id: string; sensor: string; firedAt: number; state: string }[];
  assert.deepEqual(alerts.map((a) => [a.sensor, a.firedAt, a.state]).sort(), [
    ['dust-north', FROM + 841 * 60_000, 'resolved'], ['vib-1', FROM + 721 * 60_000, 'resolved'], ['vib-1', FROM + (MINUTES - 4) * 60_000, 'firing'],
  ], 'fired at the end of the first window above, resolved at the end of the first back by the hysteresis');
  // The alert still firing when the data ends is acknowledged, then resolved by hand.
  const open = alerts.find((a) => a.state === 'firing')!;
  const path = `/api/alerts/${encodeURIComponent(open.id)}`;
  assert.equal((await app.inject({ method: 'POST', url: `${path}/acknowledge`, payload: { by: 'alice', note: 'Piling paused, gauge checked' } })).statusCode, 200);
  const resolved = await app.inject({ method: 'POST', url: `${path}/resolve`, payload: { by: 'bob', note: 'Gauge recalibrated' } });
  assert.equal(resolved.statusCode, 200, resolved.body);
  const handDuration = (resolved.json() as { resolvedAt: number }).resolvedAt - open.firedAt;

  const asked = await app.inject({ method: 'POST', url: '/api/reports/report-flow/report/run', payload: { period: DAY_KEY } });
  assert.equal(asked.statusCode, 202, asked.body);
  const { requestId } = asked.json() as { requestId: number };
  await waitFor('the mail', () => smtp.mails.length === 1);
  const mail = smtp.mails[0]!;
  assert.deepEqual(mail.to.sort(), ['client@client.example', 'site.manager@site.example']);
  const edition = `${DAY_KEY}-run${requestId}`;
  assert.equal(mail.parsed.messageId, `<${edition}.report.report-flow@site.example>`, 'a Message-ID made of the flow, the node and the edition');
  assert.match(mail.parsed.subject ?? '', /^Daily environmental monitoring report: Chantier de la Défense, Lot B, Sunday 29 March 2026 \(run on request\)$/);
  const pdf = attachedPdf(mail);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  // SLUICE_REPORT_PNG=<path without .png> keeps page 1 (and the PDF beside it) for a look.
  if (process.env.SLUICE_REPORT_PNG) {
    pdfPagePng(pdf, dir, process.env.SLUICE_REPORT_PNG);
    writeFileSync(`${process.env.SLUICE_REPORT_PNG}.pdf`, pdf);
  }

  type Listed = { reports: ReportInfo[]; documents: ReportDocument[] };
  // The SMTP server has the mail before the node reads its 250: the delivery is marked once that answer is in.
  const listed = (await waitFor('the deliveries marked', async () => {
    const l = (await app.inject('/api/reports')).json() as Listed;
    return l.documents.find((d) => d.edition === edition)?.deliveries.every((d) => d.state !== 'sending' && d.state !== 'pending') ? l : undefined;
  }))!;
  assert.deepEqual(listed.reports.map((r) => [r.flowId, r.nodeId, r.schedule, r.timeZone]), [['report-flow', 'report', '0 7 * * *', 'Europe/London']]);
  const doc = listed.documents.find((d) => d.edition === edition)!;
  assert.equal(doc.sha256, sha(pdf), 'the mail carries the stored document');
  assert.deepEqual(doc.deliveries.map((d) => [d.target, d.state]), [['mail:site.manager@site.example', 'delivered'], ['mail:client@client.example', 'delivered']]);
  const download = await app.inject(`/api/reports/${doc.id}/pdf`);
  assert.equal(download.headers['content-type'], 'application/pdf');
  assert.equal(sha(download.rawPayload), doc.sha256, 'the download is the stored file, byte for byte');
  const audit = (await app.inject('/api/audit?action=report.send')).json() as { target: string; detail: { messageId: string; to: string[] } }[];
  assert.deepEqual(audit.map((e) => [e.target, e.detail.messageId]), [[`report-flow/report/${edition}`, doc.messageId]], 'every send is in the audit log');

  const text = pdfText(pdf, dir);
  // The title page: site, period with its zone and the short day of the clock change, page numbers.
  for (const s of ['Chantier de la Défense, Lot B', 'Sunday 29 March 2026', 'Europe/London', 'UTC+00:00 until the clocks', 'then UTC+01:00', 'the day had 23 hours', 'Établissement public', 'µg/m³', '°C']) {
    assert.ok(text.includes(s), `the PDF says "${s}"`);
  }
  const pages = (text.match(/page \d+ of \d+/g) ?? []);
  assert.equal(pages.length, doc.pages);
  assert.deepEqual(pages.map((p) => Number(/page (\d+)/.exec(p)![1])), Array.from({ length: doc.pages }, (_, i) => i + 1));

  // Alerts: three fired, one acknowledged by alice and resolved by bob with their notes, durations from the rows.
  assert.match(text, /3 alerts/);
  assert.match(text, /3 fired in the period \(2 critical, 1 warning\); 1 acknowledged/);
  assert.match(text, /3 resolved, 0 open/);
  // Local times (BST from 01:00 UTC): the alert at 12:01 UTC fired at 13:01 on the site's clocks.
  assert.ok(row(text, 'vib-1', 'critical', '29 Mar 13:01:00', '29 Mar 13:04:00', formatDuration((724 - 721) * 60_000)), 'the first vibration alert lasted 3 min');
  assert.ok(row(text, 'dust-north', 'warning', '29 Mar 15:01:00', '29 Mar 15:31:00', formatDuration((871 - 841) * 60_000)), 'the dust alert lasted 30 min');
  assert.ok(row(text, 'vib-1', 'critical', '29 Mar 23:56:00', formatDuration(handDuration)), `the alert resolved by hand lasted ${formatDuration(handDuration)}`);
  const raw = pdfText(pdf, dir, 'raw');
  for (const s of ['by alice: “Piling paused, gauge checked”', 'by bob: “Gauge recalibrated”', 'automatically (value 1.00)']) assert.ok(raw.includes(s), `the alerts say "${s}"`);

  // Exceedances per sensor and limit, counted here from the rows and the local hours of each limit.
  const n1 = noise1();
  const dayAbove = n1.filter((r) => { const lm = londonMinute(r.window_start); return lm >= 420 && lm < 1140 && r.value_mean > 75; }).length;
  const nightAbove = n1.filter((r) => { const lm = londonMinute(r.window_start); return (lm >= 1140 || lm < 420) && r.value_mean > 55; }).length;
  assert.deepEqual([dayAbove, nightAbove], [20, 5]);
  assert.ok(row(text, 'noise-1', '75 dB(A) day limit', String(dayAbove), '20 min from 29 Mar 10:00:00'), 'day limit exceedances of noise-1, 10:00–10:20 local');
  assert.ok(row(text, 'noise-1', '55 dB(A) night limit', String(nightAbove), '5 min from 29 Mar 21:00:00'), 'night limit exceedances of noise-1');
  assert.ok(row(text, 'noise-2', '55 dB(A) night limit', '0'));
  const vibAbove = vibration().filter((r) => r.value_max > 5).length;
  assert.equal(vibAbove, 8);
  assert.ok(row(text, 'vib-1', '5 mm/s DIN 4150-3', String(vibAbove), '8 min', '5 min from 29 Mar 23:55:00'), 'the longest run is the last five minutes');
  assert.ok(row(text, 'dust-north', '190 µg/m³ action level', '30', '30 min from 29 Mar 15:00:00'));
  assert.ok(row(text, 'Noise LAeq,1min', String(dayAbove + nightAbove)), 'the summary counts the windows above a limit');

  // Means: energy-averaged noise, arithmetic (by readings) elsewhere.
  const noiseMean = energyMean([...n1, ...noise2()]);
  assert.ok(row(text, 'Noise LAeq,1min', `${num(noiseMean, 1)} dB(A)`), `noise mean ${num(noiseMean, 1)} dB(A) in the summary`);
  const dustRows = dust();
  const dustMean = dustRows.reduce((s, r) => s + r.value_mean, 0) / dustRows.length;
  assert.ok(row(text, 'Dust PM10', `${num(dustMean, 0)} µg/m³`), `dust mean ${num(dustMean, 0)} µg/m³`);

  // Completeness: readings received against expected at each quantity's interval over the 23 hours.
  const expected = { minute: MINUTES, second: MINUTES * 60 };
  const vibReceived = vibration().reduce((s, r) => s + r.count, 0);
  assert.ok(row(text, 'noise-1', 'Noise', num(expected.minute, 0), num(expected.minute, 0), pct(1)));
  assert.ok(row(text, 'noise-2', 'Noise', num(expected.minute, 0), num(MINUTES - 45, 0), pct((MINUTES - 45) / MINUTES), '45 min'), 'the 45-minute gap of noise-2');
  assert.ok(row(text, 'noise-2', '03:00–03:45'), 'the gap in local time');
  assert.ok(row(text, 'vib-1', 'Vibration', num(expected.second, 0), num(vibReceived, 0), pct(vibReceived / expected.second)));
  assert.ok(row(text, 'dust-south', 'Dust', num(expected.minute, 0), '0', pct(0)), 'an expected sensor that sent nothing is at 0 %');
  const overall = (MINUTES * 3 + (MINUTES - 45) + vibReceived) / (MINUTES * 5 + expected.second);
  assert.ok(text.includes(pct(overall)), `overall completeness ${pct(overall)}`);
  assert.ok(row(text, 'noise-1', 'Noise', num(expected.minute, 0), num(expected.minute, 0), pct(1), '3'), 'three invalid readings of noise-1');
  assert.ok(row(text, 'value: 300 is above the maximum 140', '3'), 'the reason readings were refused');

  // Page 1 as a picture, the way the README shows it.
  const png = pdfPagePng(pdf, dir, join(dir, 'page-1'));
  assert.ok(existsSync(png) && statSync(png).size > 30_000, 'page 1 renders to a PNG');
  assert.ok(TO > FROM);
});
