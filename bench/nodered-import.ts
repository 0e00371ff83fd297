import type { Figures } from './h2h.js';
import { translateNodeRed } from '../server/node-red/index.js';
import { importExamples, translatedShare } from '../test/helpers/node-red-examples.js';
import { largeExport } from '../test/fixtures/node-red-exports.js';

/**
 * The Node-RED import against the example flows Node-RED ships: the share of nodes whose type is in the
 * translation table that became Sluice nodes (the rest are placeholders, each named in the report), the same
 * over every node (types outside the table included), and the time to translate a 5,000-node export.
 */
export async function nodeRedImportBench(): Promise<Figures> {
  const imports = importExamples();
  const s = translatedShare(imports);
  const big = largeExport(5000, 5);
  const started = process.hrtime.bigint();
  translateNodeRed(big);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    'nodered_import.examples_nodes_translated_share': { value: Math.round((s.translated / s.inTable) * 1000) / 1000, unit: `of ${s.inTable} nodes whose types are in the table (${imports.length} files)` },
    'nodered_import.examples_all_nodes_translated_share': { value: Math.round((s.allTranslated / s.all) * 1000) / 1000, unit: `of all ${s.all} nodes` },
    'nodered_import.translate_5000_nodes_ms': { value: Math.round(ms), unit: 'ms' },
  };
}
