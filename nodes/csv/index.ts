import { Type } from '@sinclair/typebox';
import { defineNode } from '../../server/core/define-node.js';
import type { DataRecord } from '../../server/core/types.js';
import { cleanColumns, parseCsv, toCsv } from './codec.js';

const config = Type.Object({
  separator: Type.String({ title: 'Separator', default: ',', minLength: 1, maxLength: 1, description: 'Column separator, e.g. `,`, `;` or a tab.' }),
  columns: Type.String({ title: 'Columns', default: '', maxLength: 10_000, description: 'Column names, comma separated (`ts,sensor,value`); empty: `col1`, `col2`, … when parsing, the first object\'s keys when writing.' }),
  headerIn: Type.Boolean({ title: 'First row holds the column names', default: false, description: 'Parsing: take the column names from the first row.' }),
  skipLines: Type.Integer({ title: 'Skip lines', default: 0, minimum: 0, maximum: 1_000_000, description: 'Parsing: lines ignored at the start of the text.' }),
  parseNumbers: Type.Boolean({ title: 'Parse numbers', default: true, description: 'Parsing: cells that look like numbers become numbers.' }),
  includeEmptyStrings: Type.Boolean({ title: 'Keep empty strings', default: false, description: 'Parsing: keep `""` cells as empty strings (otherwise they are left out).' }),
  includeNulls: Type.Boolean({ title: 'Keep empty cells', default: false, description: 'Parsing: keep unquoted empty cells as null (otherwise they are left out).' }),
  output: Type.Union([Type.Literal('record-per-row'), Type.Literal('array')], {
    title: 'Output', default: 'record-per-row', description: 'Parsing: one record per row (with `parts` { id, index, count }, as Node-RED\'s "a message per row"), or one record whose payload is the array of rows.',
  }),
  header: Type.Union([Type.Literal('none'), Type.Literal('all'), Type.Literal('once')], { title: 'Header row', default: 'none', description: 'Writing: no header, a header in every text, or only in the first.' }),
  lineEnd: Type.Union([Type.Literal('\n'), Type.Literal('\r\n')], { title: 'Line end', default: '\n', description: 'Writing: `\\n` or `\\r\\n`.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'csv',
  category: 'process',
  label: 'CSV',
  inputs: { in: 'records whose payload is CSV text, or rows to write' },
  outputs: { out: 'parsed rows, or records whose payload is CSV text' },
  config,
  docs: `Converts \`payload\` between CSV text and rows (Node-RED's CSV node, with its parsing rules).

**Text → rows.** Each row becomes an object keyed by \`columns\` (or the header row with \`headerIn\`, or
\`col1\`, \`col2\`, …): one record per row with \`parts\` \`{ id, index, count }\` so a \`join\` can put them back
together, or one record with the array of rows (\`output: "array"\`). Every record also gets \`columns\` (the
names, comma separated). Quotes work as in RFC 4180; numbers become numbers unless \`parseNumbers\` is off;
empty cells are left out unless kept; empty rows are skipped.

**Rows → text.** An object, or an array of objects or of arrays, in \`payload\` becomes CSV text, columns in
\`columns\` order (default: the first object's keys); cells holding the separator, a quote or a new line are
quoted. \`header\` adds the names: in every text (\`all\`) or only the first one since the node started
(\`once\`, remembered with checkpoints; a record with a \`reset\` field sends it again).

Example: \`{ "columns": "ts,sensor,value", "output": "record-per-row" }\` turns \`"1700000000,t1,21.5"\` into
\`{ "payload": { "ts": 1700000000, "sensor": "t1", "value": 21.5 }, "columns": "ts,sensor,value", "parts": … }\`.`,

  create(cfg) {
    const columns = cfg.columns.trim() === '' ? [] : cleanColumns(cfg.columns);
    const options = { ...cfg, columns };
    let headerSent = false;
    return {
      process(batch, meta) {
        const out: DataRecord[] = [];
        batch.forEach((record, i) => {
          if ('reset' in record) headerSent = false;
          const payload = record.payload;
          if (typeof payload === 'string') {
            const parsed = parseCsv(payload, options);
            const names = parsed.columns.join(',');
            if (cfg.output === 'array') {
              out.push({ ...record, payload: parsed.objects, columns: names });
              return;
            }
            const id = `${meta.offset}.${i}`;
            parsed.objects.forEach((row, index) => {
              out.push({ ...record, payload: row, columns: names, parts: { id, index, count: parsed.objects.length } });
            });
          } else if (payload !== null && typeof payload === 'object') {
            const header = cfg.header === 'all' || (cfg.header === 'once' && !headerSent);
            const written = toCsv(payload, columns, { separator: cfg.separator, lineEnd: cfg.lineEnd, header });
            if (cfg.header === 'once') headerSent = true;
            out.push({ ...record, payload: written.text, columns: written.columns.join(',') });
          } else {
            out.push(record);
          }
        });
        return { out };
      },
      snapshot: () => ({ headerSent }),
      restore(state) {
        headerSent = (state as { headerSent?: boolean } | null)?.headerSent === true;
      },
    };
  },
});
