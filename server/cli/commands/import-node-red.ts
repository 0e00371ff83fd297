import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { NodeRedExportError, translateNodeRed, type ImportReport } from '../../node-red/index.js';
import { readFlowFile } from '../flow-file.js';
import { problemLine, type Output } from '../output.js';
import { UsageError } from '../usage.js';

const MARK = { translated: 'ok    ', approximated: 'approx', 'needs-hand': 'HAND  ' } as const;

/** `sluice import-node-red FILE [--out DIR] [--tab TAB]`: Sluice flow documents and a report, offline. */
export async function importNodeRedCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { out: { type: 'string', default: '.' }, tab: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('import-node-red takes exactly one FILE');
  const path = positionals[0]!;
  const file = await readFlowFile(path);
  if (!file.ok) {
    for (const p of file.problems) output.out(problemLine(p));
    return 1;
  }
  let result;
  try {
    result = translateNodeRed(file.doc, { tab: values.tab, name: basename(path, extname(path)) });
  } catch (err) {
    if (!(err instanceof NodeRedExportError)) throw err;
    output.err(`sluice import-node-red: ${path}: ${err.message}`);
    return 1;
  }
  const dir = values.out!;
  await mkdir(dir, { recursive: true });
  for (const flow of result.flows) {
    const target = join(dir, `${flow.id}.json`);
    await writeFile(target, `${JSON.stringify(flow, null, 2)}\n`);
    output.out(`wrote ${target} (${flow.nodes.length} nodes, ${flow.wires.length} wires)`);
  }
  const reportFile = join(dir, 'node-red-import-report.json');
  await writeFile(reportFile, `${JSON.stringify(result.report, null, 2)}\n`);
  for (const line of summary(result.report)) output.out(line);
  output.out(`wrote ${reportFile}`);
  return 0;
}

function summary(report: ImportReport): string[] {
  const lines = report.nodes.map((n) => `${MARK[n.status]} ${n.type} ${n.id}${n.name ? ` "${n.name}"` : ''} → ${n.becomes}${n.notes.length ? `: ${n.notes.join('; ')}` : ''}`);
  const { translated, approximated, needsHand } = report.counts;
  lines.push(`${translated} translated, ${approximated} approximated, ${needsHand} need a hand (their placeholders make a deploy fail until replaced)`);
  for (const p of report.problems) lines.push(`problem: ${p.message}`);
  for (const s of report.secrets) lines.push(`set the secret ${s.name} (${s.what}) before deploying: sluice secrets set ${s.name} < value-file`);
  return lines;
}
