import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../server/cli/package-root.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { fileFeed } from '../test/fixtures/test-nodes.js';

/**
 * flows/pictures/report-page-1.png: page 1 of a daily report as the README shows it. A day of 1-minute windows
 * of a construction site (two noise loggers, a vibration monitor, two dust monitors) goes through the report
 * node and alert nodes of a flow, a supervisor acknowledges one alert, and the report is run on request;
 * pdftoppm draws its first page.
 */
const DAY = '2026-06-16';
const FROM = Date.UTC(2026, 5, 15, 23, 0); // midnight in London (BST)
const MIN = 60_000;

/** A wobble in [-1, 1] that looks measured: two sines per sensor and a little hash noise. */
const wobble = (m: number, k: number) => Math.sin(m / 47 + k) * 0.5 + Math.sin(m / 13 + 2 * k) * 0.3 + (((m * 7919 + k * 104_729) % 1000) / 1000 - 0.5) * 0.4;

function windows(): object[] {
  const rows: object[] = [];
  for (let m = 0; m < 1440; m++) {
    const start = FROM + m * MIN;
    const hour = m / 60;
    const works = hour >= 8 && hour < 18 && !(hour >= 12.5 && hour < 13.25);
    const win = (sensor: string, quantity: string, mean: number, max = mean, count = 1) => rows.push({ window_start: start, window_end: start + MIN, sensor, quantity, count, value_mean: mean, value_max: max });
    const breaker = hour >= 10.25 && hour < 10.6;
    win('noise-n1', 'laeq', (works ? 66 : 47) + 4 * wobble(m, 1) + (breaker ? 12 : 0));
    if (!(hour >= 3 && hour < 3.8)) win('noise-n2', 'laeq', (works ? 63 : 45) + 3 * wobble(m, 2) + (hour >= 22.3 && hour < 22.6 ? 13 : 0));
    const ppv = (works ? 1.1 : 0.25) + (works ? 0.6 : 0.1) * wobble(m, 3) + (m === 11 * 60 + 42 ? 4.2 : 0) + (m === 14 * 60 + 7 ? 5.6 : 0);
    win('vib-v1', 'ppv', ppv * 0.45, Math.max(0.05, ppv), m >= 300 && m < 306 ? 41 : 60);
    win('dust-north', 'pm10', Math.max(5, (works ? 70 : 28) + 22 * wobble(m, 4) + (hour >= 15 && hour < 15.5 ? 160 : 0)));
    win('dust-south', 'pm10', Math.max(5, (works ? 48 : 24) + 14 * wobble(m, 5)));
  }
  return rows;
}

const config = {
  title: 'Daily environmental monitoring report', site: 'Riverside Tower, London E14 — site boundary', preparedFor: 'Tower Hamlets Environmental Health',
  preparedBy: 'Acme Environmental Ltd', schedule: '0 7 * * *', timeZone: 'Europe/London', period: 'day', keepDays: 3660,
  quantities: [
    { id: 'laeq', label: 'Noise LAeq,1min', unit: 'dB(A)', average: 'energy', readingEveryMs: 60_000,
      limits: [{ value: 75, label: '75 dB(A) day limit (07:00–19:00)', from: '07:00', to: '19:00' }, { value: 55, label: '55 dB(A) night limit', from: '19:00', to: '07:00' }] },
    { id: 'ppv', label: 'Vibration: peak PPV per minute', unit: 'mm/s', field: 'value_max', decimals: 2, readingEveryMs: 1000, yMin: 0,
      limits: [{ value: 3, label: '3 mm/s early warning' }, { value: 5, label: '5 mm/s DIN 4150-3', level: 'critical' }] },
    { id: 'pm10', label: 'Dust: PM10 1-minute mean', unit: 'µg/m³', decimals: 0, readingEveryMs: 60_000, yMin: 0, limits: [{ value: 190, label: '190 µg/m³ site action level' }] },
  ],
};

export async function renderReportPicture(out: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-report-picture-'));
  const runtime = await RuntimeManager.open({ dataDir: dir, registry: new NodeRegistry([...builtinNodes, fileFeed]), log: silentLogger });
  try {
    const rule = (id: string, field: string, value: number, hysteresis: number, severity: string, message: string, sustainMs = 0) => ({ id, field, op: '>', value, hysteresis, severity, message, sustainMs });
    const fixed = [
      { id: 'split', type: 'switch', config: { property: 'quantity', rules: ['ppv', 'pm10', 'laeq'].map((q) => ({ op: 'eq', value: { kind: 'string', value: q } })) } },
      { id: 'vibration', type: 'alert', config: { keyBy: 'sensor', timeField: 'window_end', rules: [rule('ppv-limit', 'value_max', 5, 0.5, 'critical', '{sensor}: peak PPV {value} mm/s above 5 mm/s'), rule('ppv-warning', 'value_max', 3, 0.5, 'warning', '{sensor}: peak PPV {value} mm/s above 3 mm/s')] } },
      { id: 'dust', type: 'alert', config: { keyBy: 'sensor', timeField: 'window_end', rules: [rule('pm10-action', 'value_mean', 190, 20, 'warning', '{sensor}: PM10 above 190 µg/m³ for 10 minutes', 600_000)] } },
      { id: 'noise', type: 'alert', config: { keyBy: 'sensor', timeField: 'window_end', rules: [rule('laeq-limit', 'value_mean', 75, 3, 'warning', '{sensor}: LAeq above 75 dB(A) for 10 minutes', 600_000)] } },
      { id: 'report', type: 'report', config },
    ];
    // The day arrives in three parts, and the site team acknowledges what is firing between them, as it would live.
    const parts: [number, string | undefined, string][] = [
      [10.5 * 60, 'laeq-limit', 'a.patel (site manager): breaker moved to the east side, acoustic screen added'],
      [15.4 * 60, 'pm10-action', 'm.silva (site manager): water bowser sent to the haul road'],
      [1440, undefined, ''],
    ];
    const all = windows() as { window_start: number }[];
    const feeds: string[] = [];
    let done = 0;
    for (const [until, ruleId, note] of parts) {
      const rows = all.filter((r) => r.window_start >= FROM + done * MIN && r.window_start < FROM + until * MIN);
      done = until;
      const file = join(dir, `part-${feeds.length}.ndjson`);
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
      feeds.push(file);
      const feedNodes = feeds.map((f, i) => ({ id: `part-${i}`, type: 'test-file-feed', config: { file: f, batchSize: 1000 } }));
      await runtime.deploy('site', {
        sluice: 1, id: 'site', name: 'Site', nodes: [...feedNodes, ...fixed],
        wires: [...feedNodes.flatMap((f) => [{ from: f.id, to: 'report' }, { from: f.id, to: 'split' }]), { from: 'split', to: 'vibration' }, { from: 'split:out2', to: 'dust' }, { from: 'split:out3', to: 'noise' }],
        settings: { tickMs: 200 },
      });
      for (let i = 0; ; i++) {
        const s = runtime.status('site')!;
        if (feedNodes.every((f) => s.nodes[f.id]?.status.state === 'done') && s.journal?.checkpoint === s.journal?.head) break;
        if (i > 600) throw new Error('the picture\'s flow did not process its windows');
        await delay(100);
      }
      const firing = runtime.listAlerts({ flow: 'site', state: 'firing', limit: 100 }).find((a) => a.ruleId === ruleId);
      if (firing) runtime.acknowledgeAlert(firing.id, note.split(':')[0]!, note.split(': ')[1]!);
    }
    runtime.requestReport('site', 'report', 'Acme Environmental', DAY);
    const doc = await (async () => {
      for (let i = 0; i < 600; i++) {
        const [d] = runtime.reportDocuments({ flow: 'site', limit: 1 });
        if (d) return d;
        await delay(100);
      }
      throw new Error('the report was not stored');
    })();
    const pdf = join(dir, 'report.pdf');
    writeFileSync(pdf, runtime.reportDocument(doc.id).pdf);
    execFileSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', pdf, out.replace(/\.png$/, '')]);
    return out;
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = join(packageRoot(), 'flows', 'pictures', 'report-page-1.png');
  console.log(`report page 1 -> ${(await renderReportPicture(out)).replace(`${packageRoot()}/`, '')}`);
}
