/**
 * CSV text ⇄ objects with the rules of Node-RED's CSV node (its default, "legacy" mode), so imported flows
 * parse the same text into the same values: a quote toggles quoting and `""` inside quotes is a quote;
 * `\r` and `\n` both end a line; an unquoted empty cell is null, a quoted one an empty string; number-like
 * cells become numbers; empty rows are skipped.
 */
export interface CsvOptions {
  separator: string;
  /** Column names; empty: `col1`, `col2`, … (or the header row when `headerIn`). */
  columns: string[];
  headerIn: boolean;
  skipLines: number;
  parseNumbers: boolean;
  includeEmptyStrings: boolean;
  includeNulls: boolean;
}

const NUMBER = /^[-]?(?!E)(?!0\d)\d*\.?\d*(E-?\+?)?\d+$/i;

type Cell = string | null;

/** Splits text into rows of cells, honouring quotes. */
function rows(text: string, sep: string): Cell[][] {
  const out: Cell[][] = [];
  let row: Cell[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;
  let touched = false;
  const endCell = () => {
    row.push(!touched && !quoted ? null : cell);
    cell = '';
    quoted = false;
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (inQuotes && text[i + 1] === '"') { cell += '"'; i++; continue; }
      inQuotes = !inQuotes;
      quoted = true;
    } else if (!inQuotes && c === sep) {
      endCell();
    } else if (!inQuotes && (c === '\n' || c === '\r')) {
      endCell();
      out.push(row);
      row = [];
    } else {
      cell += c;
      touched = true;
    }
  }
  if (touched || quoted || row.length > 0) {
    endCell();
    out.push(row);
  }
  return out;
}

/** Header and template cells: quotes removed, trimmed. */
export function cleanColumns(text: string, sep = ','): string[] {
  const cells = rows(text.trim(), sep)[0] ?? [];
  return cells.map((c) => (c ?? '').replace(/"/g, '').trim());
}

export interface Parsed {
  objects: { [column: string]: unknown }[];
  columns: string[];
}

export function parseCsv(text: string, o: CsvOptions): Parsed {
  const lines = text.split(/(?<=\n)/);
  const body = lines.slice(o.skipLines).join('');
  const all = rows(body, o.separator);
  let columns = o.columns.filter((c, i) => c !== '' || i < o.columns.length);
  let start = 0;
  if (o.headerIn) {
    while (start < all.length && all[start]!.every((c) => c === null || c === '')) start++;
    columns = (all[start] ?? []).map((c) => (c ?? '').replace(/"/g, '').trim());
    start++;
  }
  const named = columns.some((c) => c !== '');
  const objects: { [column: string]: unknown }[] = [];
  let width = 0;
  for (let r = start; r < all.length; r++) {
    const obj: { [column: string]: unknown } = {};
    all[r]!.forEach((cell, j) => {
      const name = named ? columns[j] : `col${j + 1}`;
      if (!name) return;
      width = Math.max(width, j + 1);
      let v: unknown = cell;
      if (cell !== null && o.parseNumbers && NUMBER.test(cell.trim())) v = parseFloat(cell.trim());
      if (v === null) { if (o.includeNulls) obj[name] = null; return; }
      if (v === '') { if (o.includeEmptyStrings) obj[name] = ''; return; }
      obj[name] = v;
    });
    if (Object.keys(obj).length > 0) objects.push(obj);
  }
  return { objects, columns: named ? columns.filter((c) => c !== '') : Array.from({ length: width }, (_, i) => `col${i + 1}`) };
}

function quote(value: string, sep: string): string {
  if (value.includes('"')) return `"${value.replace(/"/g, '""')}"`;
  if (value.includes(sep) || value.includes('\n')) return `"${value}"`;
  return value;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Rows (objects or arrays) to CSV text, one line per row, each ended by `lineEnd`. */
export function toCsv(payload: unknown, columns: string[], o: { separator: string; lineEnd: string; header: boolean }): { text: string; columns: string[] } {
  const list = Array.isArray(payload) && payload.every((p) => p !== null && typeof p === 'object') ? payload : [payload];
  const first = list[0];
  const cols = columns.length > 0 ? columns : first !== null && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first) : [];
  const lines: string[] = [];
  if (o.header) lines.push(cols.map((c) => (c.includes(o.separator) ? `"${c}"` : c)).join(o.separator));
  for (const row of list) {
    if (Array.isArray(row)) lines.push(row.map((v) => quote(text(v), o.separator)).join(o.separator));
    else if (row !== null && typeof row === 'object') lines.push(cols.map((c) => (c === '' ? '' : quote(text((row as { [k: string]: unknown })[c]), o.separator))).join(o.separator));
    else lines.push(quote(text(row), o.separator));
  }
  return { text: lines.join(o.lineEnd) + o.lineEnd, columns: cols };
}
