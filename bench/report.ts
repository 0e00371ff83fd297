import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { AlertStore } from '../server/services/alert-store.js';
import { ReportStore } from '../server/services/report-store.js';
import { IngressRegistry } from '../server/services/ingress.js';
import type { ReportConfig } from '../nodes/report/config.js';
import { ReportDataStore } from '../nodes/report/data-store.js';
import { periodOfKey } from '../nodes/report/period.js';
import { ReportRunner } from '../nodes/report/run.js';
import { configOf, nodeContext } from '../test/helpers/node-context.js';
import type { Figures } from './h2h.js';

/**
 * `report.month_ms`: a monthly report of 30 sensors' 1-minute rollup windows (November: 30 × 43,200 =
 * 1,296,000 rows) and 500 alerts, from the stored rows to the stored PDF. `report.month_rss_mb`: how far the
 * process's peak RSS rose above its RSS before the run. The rows are written first; the run is measured in
 * a fresh process, so nothing the writing left in memory counts either way.
 */
const MONTH = '2026-11';
const SENSORS = 30;
const ALERTS = 500;
const MIN = 60_000;

const QUANTITIES = [
  { id: 'laeq', label: 'Noise LAeq,1min', unit: 'dB(A)', average: 'energy', readingEveryMs: 60_000, limits: [{ value: 75, label: '75 dB(A) day limit', from: '07:00', to: '19:00' }, { value: 55, label: '55 dB(A) night limit', from: '19:00', to: '07:00' }] },
  { id: 'ppv', label: 'Vibration peak PPV', unit: 'mm/s', field: 'value_max', decimals: 2, readingEveryMs: 1000, yMin: 0, limits: [{ value: 3, level: 'warning' }, { value: 5, level: 'critical' }] },
  { id: 'pm10', label: 'Dust PM10', unit: 'µg/m³', decimals: 0, readingEveryMs: 60_000, yMin: 0, limits: [{ value: 190 }] },
];

export const benchConfig = () => configOf('report', {
  title: 'Monthly environmental monitoring report', site: 'Bench site', timeZone: 'UTC', period: 'month', schedule: '0 7 1 * *', keepDays: 3660, quantities: QUANTITIES,
}) as ReportConfig;

function value(q: string, s: number, m: number): number {
  const wave = Math.sin((m / 1440) * 2 * Math.PI + s) * 0.5 + Math.sin(m / 37 + s) * 0.5;
  if (q === 'laeq') return 58 + 12 * wave + (m % 997 === s ? 25 : 0);
  if (q === 'ppv') return Math.max(0, 1.2 + wave + (m % 1511 === s * 7 ? 5 : 0));
  return 60 + 50 * wave + (m % 2003 < 20 ? 150 : 0);
}

function fill(dir: string): void {
  const period = periodOfKey('month', MONTH, 'UTC')!;
  const minutes = (period.to - period.from) / MIN;
  const store = ReportDataStore.open(join(dir, 'report-data.db'));
  for (let s = 0; s < SENSORS; s++) {
    const q = QUANTITIES[s % QUANTITIES.length]!;
    const id = store.seriesId(q.id, `${q.id}-${s}`, 1000)!;
    for (let m = 0; m < minutes; m++) {
      // A sensor in ten misses an hour a week.
      if (s % 10 === 3 && m % 10_080 < 60) continue;
      const start = period.from + m * MIN;
      store.addWindow(id, start, start + MIN, value(q.id, s, m), q.id === 'ppv' ? 60 : 1);
    }
    store.commit();
  }
  store.close();
  const db = new Database(join(dir, 'sluice.db'));
  let clock = period.from;
  const alerts = AlertStore.open(db, { now: () => clock });
  for (let i = 0; i < ALERTS; i++) {
    const q = QUANTITIES[i % QUANTITIES.length]!;
    const sensor = `${q.id}-${(i * 3 + (i % 3)) % SENSORS}`;
    const firedAt = period.from + Math.floor((i + 0.5) * ((period.to - period.from) / ALERTS));
    const alertId = `bench/alerts/${q.id}-limit/${sensor}/${firedAt}`;
    const base = { flowId: 'bench', nodeId: 'alerts', ruleId: `${q.id}-limit`, sensor, severity: i % 5 === 0 ? 'critical' : 'warning', message: `${sensor}: ${q.label} above its limit`, firedAt, alertId };
    alerts.record({ ...base, kind: 'fired', at: firedAt, value: 99 });
    if (i % 2 === 0) {
      clock = firedAt + 7 * MIN;
      alerts.acknowledge(alertId, i % 4 === 0 ? 'site.manager' : 'night.supervisor', 'Works paused, cause checked on site; neighbours informed');
    }
    alerts.record({ ...base, kind: 'resolved', at: firedAt + (20 + (i % 40)) * MIN, value: 10 });
  }
  db.close();
}

/** The child: one monthly run, timed, with the RSS it adds. */
async function measure(dir: string): Promise<void> {
  const db = new Database(join(dir, 'sluice.db'));
  const services = {
    ingress: new IngressRegistry(), alerts: AlertStore.open(db),
    reports: ReportStore.open(db, { dir: join(dir, 'reports'), audit: () => undefined, deadLetters: async function* () {} }),
  };
  const store = ReportDataStore.open(join(dir, 'report-data.db'));
  const runner = new ReportRunner(benchConfig(), nodeContext({ flowId: 'bench', nodeId: 'report', services }), store);
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const outcome = await runner.run({ kind: 'requested', at: Date.parse('2026-12-01T07:00:00Z'), periodKey: MONTH, requestId: 1, requestedBy: 'bench' }, 1);
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  if (process.env.SLUICE_BENCH_REPORT_PDF) writeFileSync(process.env.SLUICE_BENCH_REPORT_PDF, services.reports.pdf(outcome.document.id));
  process.stdout.write(`${JSON.stringify({ ms, growthMb: (peak - before) / 1048576, pages: outcome.document.pages, bytes: outcome.document.bytes })}\n`);
}

export async function reportMonth(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-report-'));
  try {
    const t0 = performance.now();
    fill(dir);
    process.stderr.write(`report: ${SENSORS} sensors × 1-minute windows of ${MONTH} and ${ALERTS} alerts written in ${Math.round(performance.now() - t0)} ms; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), dir], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; growthMb: number; pages: number; bytes: number };
    process.stderr.write(`report: ${r.pages} pages, ${Math.round(r.bytes / 1024)} KB; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    return { 'report.month_ms': { value: Math.round(r.ms), unit: 'ms' }, 'report.month_rss_mb': { value: Math.round(r.growthMb), unit: 'MB' } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2]) await measure(process.argv[2]);
