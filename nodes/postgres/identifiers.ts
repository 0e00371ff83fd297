import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter, showValue } from '../lib/field-path.js';

const MAX_IDENTIFIER_BYTES = 63;

/** Double-quoted, so any name PostgreSQL can store is usable, including unicode and upper case. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Why a name cannot be a PostgreSQL identifier, or undefined when it can. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.includes('\u0000')) return 'contains a NUL character';
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) return `is longer than ${MAX_IDENTIFIER_BYTES} bytes (PostgreSQL would truncate it)`;
  return undefined;
}

export type TableName = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Compiles `readings_{site}` once. Each record gets its table name, or the reason it has none
 * (missing field, a value that is not a string or number, a name PostgreSQL cannot hold).
 */
export function tableNameTemplate(template: string): { fields: string[]; nameOf(record: DataRecord): TableName } {
  const parts = template.split(/(\{[^{}]+\})/).filter((p) => p.length > 0);
  const fields = parts.filter((p) => p.startsWith('{')).map((p) => p.slice(1, -1));
  if (fields.length === 0) {
    const problem = identifierProblem(template);
    const fixed: TableName = problem ? { ok: false, reason: `table name "${template}" ${problem}` } : { ok: true, name: template };
    return { fields, nameOf: () => fixed };
  }
  const pieces = parts.map((p) => (p.startsWith('{') ? { field: p.slice(1, -1), get: fieldGetter(p.slice(1, -1)) } : p));
  return {
    fields,
    nameOf(record) {
      let name = '';
      for (const piece of pieces) {
        if (typeof piece === 'string') { name += piece; continue; }
        const v = piece.get(record);
        if (typeof v !== 'string' && typeof v !== 'number') return { ok: false, reason: `table name field "${piece.field}": expected a string or number, got ${showValue(v)}` };
        name += String(v);
      }
      const problem = identifierProblem(name);
      return problem ? { ok: false, reason: `table name "${name}" ${problem}` } : { ok: true, name };
    },
  };
}
