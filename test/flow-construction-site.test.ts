import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServer, type AddressInfo } from 'node:net';
import type { AlertDetail, ReportDocument } from '../server/runtime/api.js';
import type { Alert } from '../server/core/services.js';
import { startIlpServer, type Row } from './fixtures/ilp-server.js';
import { openApp } from './helpers/api-app.js';
import { ftpPort, uploadRenamed } from './helpers/ftp.js';
import { sendJson, startHttpServer } from './helpers/http-server.js';
import { setEnv, shippedFlow, validateOffline, widgetQuery } from './helpers/shipped-flow.js';
import { pdfText } from './helpers/smtp.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'construction-site-monitoring';
const SEC = 1000;
const MIN = 60 * SEC;
/** 09:00 in London (BST): daytime, noise limit 75 dB(A). */
const DAY = Date.UTC(2026, 5, 1, 8, 0);
/** 22:00 in London: night, noise limit 55 dB(A). */
const NIGHT = Date.UTC(2026, 5, 1, 21, 0);
const SECRETS = {
  site_ftp_noise: 'noise-pw-7f3a', site_ftp_vibration: 'vib-pw-91c2', site_vendor_api_key: 'vendor-key-5521', site_questdb_token: 'qdb-token-0d8e',
  site_smtp_user: 'reports@site', site_smtp_password: 'smtp-pw-62b0',
};

interface Reading { ts: number; sensor: string; quantity: 'laeq' | 'ppv' | 'pm10'; value: number }

// ---- the site's readings, generated here and judged independently below ----

/** noise-n1 (LAeq,1min): 68–69.5 dB(A), 78–80 for minutes 10–29 (above 75 by day), then 69.5–70. */
const noiseN1 = (m: number) => (m >= 10 && m < 30 ? 78 + (m % 3) : m >= 30 ? 70 - (m % 2) * 0.5 : 68 + (m % 4) * 0.5);
/** noise-n2: 71 dB(A) by day (below 75), 60 dB(A) at night (above 55). */
const noiseN2Day = (m: number) => 71 - (m % 5) * 0.2;
const noiseN2Night = (m: number) => 60 + (m % 3) * 0.5;
/** vib-v1 (PPV per second, mm/s): below 1.1, a 6.2 peak in minute 12, a 3.6 peak in minute 40. */
function ppv(second: number): number {
  if (second === 12 * 60 + 30) return 6.2;
  if (second === 40 * 60 + 5) return 3.6;
  return 0.6 + ((second * 7) % 10) / 20;
}
/** dust-north (PM10 every 10 s): 55–64 µg/m³, 225–234 for minutes 20–44, then 90. dust-south stays near 40. */
function pm10(sensor: string, i: number): number {
  const m = Math.floor(i / 6);
  if (sensor === 'dust-south') return 38 + (i % 5);
  return m >= 20 && m < 45 ? 225 + (i % 10) : m >= 45 ? 90 : 55 + (i % 10);
}

const noiseMinutes = (from: number, to: number): Reading[] => Array.from({ length: to - from }, (_, k) => from + k).flatMap((m) => [
  { ts: DAY + m * MIN, sensor: 'noise-n1', quantity: 'laeq' as const, value: noiseN1(m) },
  { ts: DAY + m * MIN, sensor: 'noise-n2', quantity: 'laeq' as const, value: noiseN2Day(m) },
]);
const vibrationMinutes = (from: number, to: number): Reading[] => Array.from({ length: (to - from) * 60 }, (_, k) => ({
  ts: DAY + (from * 60 + k) * SEC, sensor: 'vib-v1', quantity: 'ppv' as const, value: ppv(from * 60 + k),
}));
const nightMinutes = (from: number, to: number): Reading[] => Array.from({ length: to - from }, (_, k) => ({
  ts: NIGHT + (from + k) * MIN, sensor: 'noise-n2', quantity: 'laeq' as const, value: noiseN2Night(from + k),
}));
const dust: Reading[] = ['dust-north', 'dust-south'].flatMap((sensor) => Array.from({ length: 90 * 6 }, (_, i) => ({
  ts: DAY + i * 10 * SEC, sensor, quantity: 'pm10' as const, value: pm10(sensor, i),
})));

const csv = (readings: Reading[], extra: string[] = []) =>
  ['ts,sensor,quantity,value', ...readings.map((r) => `${new Date(r.ts).toISOString()},${r.sensor},${r.quantity},${r.value}`), ...extra].join('\n');

/** Rows no reading of the site should pass: one unreadable, one out of range, one unknown quantity. */
const BAD_ROWS = [
  `${new Date(DAY + 5 * MIN + 30 * SEC).toISOString()},noise-n1,laeq,n/a`,
  `${new Date(DAY + 6 * MIN + 30 * SEC).toISOString()},noise-n2,laeq,180`,
  `${new Date(DAY + 7 * MIN + 30 * SEC).toISOString()},noise-n2,lux,300`,
];

// ---- the independent judgement ----

interface Minute { sensor: string; quantity: string; start: number; count: number; mean: number; min: number; max: number }

function minutes(readings: Reading[]): Minute[] {
  const by = new Map<string, Reading[]>();
  for (const r of readings) {
    const start = Math.floor(r.ts / MIN) * MIN;
    const key = `${r.sensor}|${r.quantity}|${start}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by].map(([key, rs]) => {
    const [sensor, quantity, start] = key.split('|');
    const values = rs.map((r) => r.value);
    return { sensor: sensor!, quantity: quantity!, start: Number(start), count: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
  });
}

/** A threshold rule "level > limit, sustained, resolved `hysteresis` below", over one sensor's minutes in time order. */
function transitions(levels: { at: number; value: number }[], limit: number, hysteresis: number, sustainMs: number): string[] {
  const out: string[] = [];
  let firing = false;
  let since: number | undefined;
  for (const { at, value } of levels) {
    if (value > limit) {
      since ??= at;
      if (!firing && at - since >= sustainMs) { firing = true; out.push(`firing@${iso(at)}`); }
    } else {
      since = undefined;
      if (firing && value <= limit - hysteresis) { firing = false; out.push(`resolved@${iso(at)}`); }
    }
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const londonHour = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(ms));

function expectedTransitions(all: Minute[]): { [alert: string]: string[] } {
  const series = (sensor: string, level: (m: Minute) => number) => all.filter((m) => m.sensor === sensor)
    .sort((a, b) => a.start - b.start).map((m) => ({ at: m.start + MIN, value: level(m) }));
  const noiseExcess = (m: Minute) => m.mean - (londonHour(m.start) >= 7 && londonHour(m.start) < 19 ? 75 : 55);
  return {
    'noise-n1/laeq-limit': transitions(series('noise-n1', noiseExcess), 0, 3, 10 * MIN),
    'noise-n2/laeq-limit': transitions(series('noise-n2', noiseExcess), 0, 3, 10 * MIN),
    'vib-v1/ppv-warning': transitions(series('vib-v1', (m) => m.max), 3, 0.5, 0),
    'vib-v1/ppv-limit': transitions(series('vib-v1', (m) => m.max), 5, 0.5, 0),
    'dust-north/pm10-action': transitions(series('dust-north', (m) => m.mean), 190, 20, 15 * MIN),
    'dust-south/pm10-action': transitions(series('dust-south', (m) => m.mean), 190, 20, 15 * MIN),
  };
}

// ---- peers ----

/** The loggers' convention the flow relies on (completion "rename"): upload under .tmp, rename when complete. */
const upload = uploadRenamed;

async function listAlerts(app: FastifyInstance): Promise<Alert[]> {
  const res = await app.inject({ url: `/api/alerts?flow=${FLOW}&limit=1000` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Alert[];
}

const rowKey = (r: Row) => `${String(r.sensor)}|${String(r.quantity)}|${Number((r.ts as bigint) / 1_000_000n)}`;

test('construction site: FTP loggers and a vendor API → validate → 1-minute rollups → alerts with acknowledge/resolve → QuestDB', { timeout: 180_000 }, async (t) => {
  const questdb = await startIlpServer({ token: SECRETS.site_questdb_token });
  t.after(() => questdb.close());
  const vendor = await startHttpServer(t, (req, res) => {
    if (req.headers.authorization !== `Bearer ${SECRETS.site_vendor_api_key}`) return sendJson(res, 401, { error: 'bad key' });
    const m = /^\/devices\/([^/]+)\/readings\?since=(\d+)$/.exec(req.url);
    if (!m) return sendJson(res, 404, { error: `no route ${req.url}` });
    const since = Number(m[2]);
    sendJson(res, 200, { readings: dust.filter((r) => r.sensor === m[1] && r.ts > since).map(({ ts, quantity, value }) => ({ ts, quantity, value })) });
  });
  // No mail server: the report is stored before its delivery is tried (and retried), which is what is checked here.
  setEnv(t, {
    SITE_FTP_PUBLIC_HOST: '127.0.0.1', SITE_VENDOR_API: vendor.url, SITE_QUESTDB_URL: questdb.url,
    SITE_SMTP_HOST: '127.0.0.1', SITE_SMTP_PORT: String(await closedPort()), SITE_REPORT_FROM: 'monitoring@site.example', SITE_REPORT_TO: 'site.manager@site.example',
  });

  const { app, runtime } = await openApp(t);
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.equal((await app.inject({ method: 'PUT', url: `/api/secrets/${name}`, payload: { value } })).statusCode, 204);
  }
  // The parameters the README lists are exactly the references the file holds.
  const offline = await validateOffline(FLOW);
  assert.equal(offline.code, 0, offline.lines.join('\n'));
  assert.deepEqual(offline.references, [
    '${env:SITE_FTP_PUBLIC_HOST}', '${env:SITE_QUESTDB_URL}', '${env:SITE_REPORT_FROM}', '${env:SITE_REPORT_TO}', '${env:SITE_SMTP_HOST}', '${env:SITE_SMTP_PORT}',
    '${env:SITE_VENDOR_API}',
    ...Object.keys(SECRETS).sort().map((n) => `\${secret:${n}}`),
  ]);
  const doc = shippedFlow(FLOW);
  // The one change: a free control port instead of 2121, which may be taken on a test machine.
  const loggers = doc.nodes.find((n) => n.id === 'loggers')!;
  loggers.config = { ...loggers.config, port: 0 };
  const deployed = await app.inject({ method: 'POST', url: `/api/flows/${FLOW}/deploy`, payload: doc });
  assert.equal(deployed.statusCode, 200, deployed.body);
  const port = ftpPort(runtime, FLOW, 'loggers');

  const noise = (name: string, readings: Reading[], extra: string[] = []) => upload(port, 'noise-loggers', SECRETS.site_ftp_noise, name, csv(readings, extra));
  const vibration = (name: string, readings: Reading[]) => upload(port, 'vibration-loggers', SECRETS.site_ftp_vibration, name, csv(readings));

  // Every logger uploads its last 30 (then 15) minutes; windows close 20 min behind the newest reading.
  await noise('n-0800.csv', noiseMinutes(0, 30), BAD_ROWS);
  await vibration('v-0800.csv', vibrationMinutes(0, 30));
  await noise('n-0830.csv', noiseMinutes(30, 45));
  await vibration('v-0830.csv', vibrationMinutes(30, 45));

  // noise-n1 has been above 75 dB(A) since 09:10 local: the alert fires on the minute ending 09:21 (08:21 UTC).
  const firing = await waitFor('the noise alert on noise-n1', async () => (await listAlerts(app)).find((a) => a.sensor === 'noise-n1'), 60_000);
  assert.equal(firing!.state, 'firing');
  assert.equal(firing!.firedAt, DAY + 21 * MIN);
  const ack = await app.inject({ method: 'POST', url: `/api/alerts/${encodeURIComponent(firing!.id)}/acknowledge`, payload: { by: 'site manager', note: 'breaker moved to the east side' } });
  assert.equal(ack.statusCode, 200, ack.body);

  await noise('n-0845.csv', noiseMinutes(45, 60));
  await vibration('v-0845.csv', vibrationMinutes(45, 60));
  // The night upload also moves the watermark past every daytime window.
  await noise('n-2100.csv', nightMinutes(0, 45));

  const fileReadings = [...noiseMinutes(0, 60), ...vibrationMinutes(0, 60), ...nightMinutes(0, 45)];
  const fileCut = Math.max(...fileReadings.map((r) => r.ts)) - 20 * MIN;
  const dustCut = Math.max(...dust.map((r) => r.ts)) - 3 * MIN;
  // Windows that must be closed: those ending at or before the watermark of their rollup.
  const expected = [
    ...minutes(fileReadings).filter((m) => m.start + MIN <= fileCut),
    ...minutes(dust).filter((m) => m.start + MIN <= dustCut),
  ];
  const expectedKeys = new Set(expected.map((m) => `${m.sensor}|${m.quantity}|${m.start}`));
  const stored = () => new Map(questdb.rows('site_rollups').map((r) => [rowKey(r), r]));
  await waitFor(`${expected.length} rollup rows in QuestDB`, () => [...expectedKeys].every((k) => stored().has(k)), 60_000);

  const rows = stored();
  for (const m of expected) {
    const r = rows.get(`${m.sensor}|${m.quantity}|${m.start}`)!;
    const at = `${m.sensor} ${m.quantity} ${new Date(m.start).toISOString()}`;
    assert.equal(r.count, BigInt(m.count), `${at}: count`);
    assert.ok(Math.abs((r.value_mean as number) - m.mean) < 1e-9, `${at}: mean ${String(r.value_mean)}, expected ${m.mean}`);
    assert.equal(r.value_min, m.min, `${at}: min`);
    assert.equal(r.value_max, m.max, `${at}: max`);
  }
  // Rows beyond the cut are windows an idle timeout closed since; nothing else is in the table.
  const extra = [...rows.keys()].filter((k) => !expectedKeys.has(k));
  for (const k of extra) assert.ok(Number(k.split('|')[2]) + MIN > (k.includes('pm10') ? dustCut : fileCut), `unexpected row ${k}`);
  t.diagnostic(`site_rollups: ${expected.length} closed windows checked (${expected.filter((m) => m.quantity === 'laeq').length} noise, ${expected.filter((m) => m.quantity === 'ppv').length} vibration, ${expected.filter((m) => m.quantity === 'pm10').length} dust), ${extra.length} later ones`);

  // The dashboard's charts hold every closed window of their quantity (a window corrected by late readings shows its last value).
  for (const [chart, quantity, field] of [['noise-chart', 'laeq', 'value_mean'], ['vibration-chart', 'ppv', 'value_max'], ['dust-chart', 'pm10', 'value_mean']] as const) {
    const want = [...rows.values()].filter((r) => r.quantity === quantity)
      .map((r) => `${String(r.sensor)}@${Number((r.ts as bigint) / 1_000_000n)}=${String(r[field])}`).sort();
    await waitFor(`${chart} shows the ${want.length} ${quantity} windows`, async () => {
      const { series } = await widgetQuery<{ series: { key: string; ts: number[]; values: (number | null)[] }[] }>(app, 'construction-site', FLOW, chart, 'range',
        { from: String(DAY), to: String(DAY + 86_400_000), width: '4000' });
      // A null is where the line breaks (noise-n2 is quiet between its day and its night upload).
      const drawn = series.flatMap((s) => s.ts.flatMap((ts, i) => (s.values[i] === null ? [] : [`${s.key}@${ts}=${s.values[i]}`]))).sort();
      return JSON.stringify(drawn) === JSON.stringify(want);
    });
  }

  // Alerts: the same transitions as the rules computed here from the same readings.
  const want = expectedTransitions(expected);
  const got = () => {
    const by: { [alert: string]: string[] } = Object.fromEntries(Object.keys(want).map((k) => [k, []]));
    for (const r of questdb.rows('site_alerts')) {
      if (r.state === 'acknowledged') continue;
      by[`${String(r.sensor)}/${String(r.rule)}`]!.push(`${String(r.state)}@${iso(Number((r.ts as bigint) / 1_000_000n))}`);
    }
    for (const list of Object.values(by)) list.sort((a, b) => a.slice(-5).localeCompare(b.slice(-5)));
    return by;
  };
  await waitFor('every alert transition in QuestDB', () => JSON.stringify(got()) === JSON.stringify(want), 30_000).catch(() => undefined);
  assert.deepEqual(got(), want);
  assert.deepEqual(want, {
    'noise-n1/laeq-limit': ['firing@08:21', 'resolved@08:31'],
    'noise-n2/laeq-limit': ['firing@21:11'],
    'vib-v1/ppv-warning': ['firing@08:13', 'resolved@08:14', 'firing@08:41', 'resolved@08:42'],
    'vib-v1/ppv-limit': ['firing@08:13', 'resolved@08:14'],
    'dust-north/pm10-action': ['firing@08:36', 'resolved@08:46'],
    'dust-south/pm10-action': [],
  }, 'the scenario the readings were written for');

  // The acknowledged alert's life cycle, in the alert store and in QuestDB.
  const detail = (await app.inject({ url: `/api/alerts/${encodeURIComponent(firing!.id)}` })).json() as AlertDetail;
  assert.equal(detail.state, 'resolved');
  assert.equal(detail.resolution, 'auto');
  assert.deepEqual(detail.history.map((h) => [h.kind, h.by, h.note]), [
    ['fired', null, null], ['acknowledged', 'site manager', 'breaker moved to the east side'], ['resolved', null, null],
  ]);
  assert.equal(detail.history[2]!.at, DAY + 31 * MIN);
  const acked = questdb.rows('site_alerts').filter((r) => r.state === 'acknowledged');
  assert.deepEqual(acked.map((r) => [r.alert_id, r.acted_by, r.note]), [[firing!.id, 'site manager', 'breaker moved to the east side']]);

  // What was set aside, per port.
  const status = runtime.status(FLOW)!;
  assert.equal(status.nodes.loggers!.out.invalid, 1, 'the unreadable row');
  assert.equal(status.nodes['check-files']!.out.invalid, 2, 'the out-of-range and unknown-quantity rows');
  assert.equal(status.nodes['check-api']!.out.invalid ?? 0, 0);
  assert.equal(status.nodes.loggers!.out.out, fileReadings.length + 2);
  assert.equal(status.nodes['dust-api']!.out.out, dust.length);
  t.diagnostic(`alerts: ${Object.values(want).flat().length} transitions; ${fileReadings.length} logger readings, ${dust.length} dust readings`);

  // The raw readings stay in the journal for audit, as uploaded.
  const journal = await app.inject({ url: `/api/flows/${FLOW}/journal?limit=1000` });
  const entries = journal.body.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; node: string; records: unknown[] });
  const raw = entries.filter((e) => e.kind === 'data' && (e.node === 'loggers' || e.node === 'dust-api')).reduce((n, e) => n + e.records.length, 0);
  assert.equal(raw, fileReadings.length + BAD_ROWS.length + dust.length, 'every reading and every bad row is in the journal');
  assert.equal(doc.settings?.retentionMs, 365 * 24 * 3600 * 1000, 'the audit window is a year');

  // The daily report of that day, as the site manager would get it: stored before the mail is tried.
  const quiet = [...stored().values()];
  const asked = await app.inject({ method: 'POST', url: `/api/reports/${FLOW}/daily-report/run`, payload: { period: '2026-06-01' } });
  assert.equal(asked.statusCode, 202, asked.body);
  const report = await waitFor('the stored report', async () => ((await app.inject(`/api/reports?flow=${FLOW}`)).json() as { documents: ReportDocument[] }).documents[0]);
  const text = pdfText((await app.inject(`/api/reports/${report.id}/pdf`)).rawPayload, tempDir(t));
  const cells = pdfText((await app.inject(`/api/reports/${report.id}/pdf`)).rawPayload, tempDir(t), 'raw');
  const fired = Object.values(want).flat().filter((s) => s.startsWith('firing')).length;
  assert.match(text, new RegExp(`${fired} fired in the period`), `the report documents the day's ${fired} alerts`);
  assert.ok(cells.includes('by site manager: “breaker moved to the east side”'), 'who acknowledged, with the note');
  const above = (sensor: string, limit: number, day: boolean) => quiet.filter((r) => {
    const hour = (Number((r.ts as bigint) / 1_000_000n) / 3_600_000 + 1) % 24;
    return r.sensor === sensor && r.quantity === 'laeq' && (hour >= 7 && hour < 19) === day && (r.value_mean as number) > limit;
  }).length;
  assert.ok(/noise-n1\s+75 dB\(A\) day limit \S*\s+(\d+)\s/.exec(text)?.[1] === String(above('noise-n1', 75, true)), `noise-n1 above 75 dB(A) in ${above('noise-n1', 75, true)} minutes: ${text.split('\n').filter((l) => l.includes('noise-n1')).join('\n')}`);
  assert.ok(/noise-n2\s+55 dB\(A\) night limit\s+(\d+)/.exec(text)?.[1] === String(above('noise-n2', 55, false)), `noise-n2 above 55 dB(A) in ${above('noise-n2', 55, false)} night minutes`);
  assert.match(text, /dust-south\s+Dust: PM10 1-\s+8640/, 'one dust reading expected every 10 s of the day');
  assert.match(text, /noise-n2\s+Noise LAeq,1min\s+1440\s+\d+\s+[\d.]+ %.*\s2\s+0\s*$/m, 'the out-of-range and unknown-quantity rows of noise-n2 counted as invalid');
});

/** A port nothing listens on: the shipped report's mail server, absent in this test. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
