import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TABLE, translateNodeRed, type ImportResult } from '../../server/node-red/index.js';
import { installNodeRed, NODERED_EXAMPLES } from './node-red.js';

export interface ExampleImport {
  file: string;
  result: ImportResult;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

/** Every example flow Node-RED ships (@node-red/nodes/examples), imported as the CLI does (named after its file). */
export function importExamples(): ExampleImport[] {
  installNodeRed();
  return jsonFiles(NODERED_EXAMPLES).map((path) => {
    const file = relative(NODERED_EXAMPLES, path);
    return { file, result: translateNodeRed(JSON.parse(readFileSync(path, 'utf8')), { name: file.replace(/\.json$/, '').replace(/[/ ]+/g, '-') }) };
  });
}

/** Of the nodes whose type is in the translation table: how many became Sluice nodes (translated or approximated). */
export function translatedShare(imports: ExampleImport[]): { inTable: number; translated: number; all: number; allTranslated: number } {
  let inTable = 0;
  let translated = 0;
  let all = 0;
  let allTranslated = 0;
  for (const { result } of imports) {
    for (const n of result.report.nodes) {
      const ok = n.status !== 'needs-hand';
      all++;
      if (ok) allTranslated++;
      if (!TABLE[n.type]) continue;
      inTable++;
      if (ok) translated++;
    }
  }
  return { inTable, translated, all, allTranslated };
}
