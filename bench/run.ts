import { coreThroughput } from './core.js';
import { editorOpen500 } from './editor.js';

/**
 * `npm run bench` prints one figure per line as `<name>: <number> <unit>`;
 * `npm run bench -- <name>` runs that one (or those whose name starts with it).
 */
const benchmarks: { name: string; unit: string; run: () => Promise<number> }[] = [
  { name: 'core.records_per_s', unit: 'records/s', run: () => coreThroughput('normal', 2_000_000) },
  { name: 'core.records_per_s_full_sync', unit: 'records/s', run: () => coreThroughput('full', 2_000_000) },
  { name: 'editor.open_500_nodes_ms', unit: 'ms', run: editorOpen500 },
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
  process.stdout.write(`${b.name}: ${Math.round(value)} ${b.unit}\n`);
}
