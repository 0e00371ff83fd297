import { alertThroughput } from './alert.js';
import { clusterBench } from './cluster.js';
import { coreThroughput } from './core.js';
import { chartPointsPerSecond, dashboardPage } from './dashboard.js';
import { editorOpen500 } from './editor.js';
import { ftpThroughput } from './ftp.js';
import { functionThroughput } from './function.js';
import { h2hBench, type Figures } from './h2h.js';
import { mqttLimit, mqttThroughput } from './mqtt.js';
import { nodeRedImportBench } from './nodered-import.js';
import { postgresThroughput } from './postgres.js';
import { questdbThroughput } from './questdb.js';
import { regionLookups } from './region.js';
import { reportMonth } from './report.js';
import { rollupThroughput } from './rollup.js';

/**
 * `npm run bench` prints one figure per line as `<name>: <number> <unit>`;
 * `npm run bench -- <name>` runs that one (or those whose name starts with it). A benchmark whose
 * data is missing returns undefined after saying so on stderr. A group benchmark returns its figures by name.
 */
const benchmarks: { name: string; unit: string; run: () => Promise<number | Figures | undefined> }[] = [
  { name: 'core.records_per_s', unit: 'records/s', run: () => coreThroughput('normal', 2_000_000) },
  { name: 'core.records_per_s_full_sync', unit: 'records/s', run: () => coreThroughput('full', 2_000_000) },
  { name: 'mqtt.readings_per_s', unit: 'readings/s', run: mqttThroughput },
  { name: 'mqtt.limit_per_s', unit: 'readings/s', run: mqttLimit },
  { name: 'ftp.rows_per_s', unit: 'rows/s', run: () => ftpThroughput(1_000_000) },
  { name: 'region.lookups_per_s', unit: 'lookups/s', run: regionLookups },
  { name: 'rollup.records_per_s', unit: 'records/s', run: () => rollupThroughput(3_000_000) },
  { name: 'alert.records_per_s', unit: 'records/s', run: () => alertThroughput(1_000_000) },
  { name: 'function.records_per_s', unit: 'records/s', run: () => functionThroughput(1_000_000, 10_000) },
  { name: 'questdb.rows_per_s', unit: 'rows/s', run: () => questdbThroughput(2_000_000, 50_000) },
  { name: 'postgres.rows_per_s', unit: 'rows/s', run: () => postgresThroughput(500_000) },
  { name: 'editor.open_500_nodes_ms', unit: 'ms', run: editorOpen500 },
  { name: 'dashboard.points_per_s', unit: 'points/s', run: () => chartPointsPerSecond(3_000_000) },
  // Prints dashboard.open_518k_points_ms and dashboard.live_long_tasks.
  { name: 'dashboard.page', unit: '', run: () => dashboardPage(30) },
  // Prints report.month_ms and report.month_rss_mb.
  { name: 'report', unit: '', run: reportMonth },
  { name: 'nodered_import', unit: '', run: nodeRedImportBench },
  { name: 'h2h', unit: '', run: h2hBench },
  { name: 'cluster', unit: '', run: clusterBench },
];

const wanted = process.argv.slice(2);
const matches = (b: { name: string }, w: string) => (benchmarks.some((x) => x.name === w) ? b.name === w : b.name.startsWith(w));
const selected = benchmarks.filter((b) => wanted.length === 0 || wanted.some((w) => matches(b, w)));
if (selected.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(' ')}; known: ${benchmarks.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
for (const b of selected) {
  const value = await b.run();
  if (value === undefined) continue;
  if (typeof value === 'object') {
    for (const [name, f] of Object.entries(value)) process.stdout.write(`${name}: ${f.value} ${f.unit}\n`);
    continue;
  }
  process.stdout.write(`${b.name}: ${Math.round(value)} ${b.unit}\n`);
}
