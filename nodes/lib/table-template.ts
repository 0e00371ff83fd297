import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter, showValue, type FieldGetter } from './field-path.js';

/**
 * Table names templated from record fields (`readings_{region}`) and the mapping of record fields to
 * typed columns, for any SQL sink. Database specifics come in as an `IdentifierRules` value and the
 * sink's own column type names; nothing here knows a particular database.
 */

export interface IdentifierRules {
  /** Longest accepted identifier, in characters. */
  maxLength: number;
  /** Longest accepted identifier in UTF-8 bytes, where the database counts bytes. */
  maxBytes?: number;
  /** What a whole identifier must match. */
  pattern: RegExp;
  /** How the pattern reads to a user, for error messages. */
  describe: string;
  /** What a placeholder's value may bring into a name (the template's literal parts bring the rest). */
  values: RegExp;
  /** How `values` reads to a user. */
  describeValues: string;
  /** Why a name that matches the pattern is still refused, if it is (e.g. it becomes a directory name). */
  refuses?(name: string): string | undefined;
}

/** Portable identifiers: valid unquoted in QuestDB and PostgreSQL alike. */
export const PORTABLE_IDENTIFIERS: IdentifierRules = {
  maxLength: 63,
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  describe: 'a letter or _ followed by letters, digits or _',
  values: /^[A-Za-z0-9_]+$/,
  describeValues: 'letters, digits or _',
};

/** Why `name` is not a usable identifier, or undefined when it is. */
export function identifierProblem(name: string, rules: IdentifierRules = PORTABLE_IDENTIFIERS): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > rules.maxLength) return `is longer than ${rules.maxLength} characters`;
  if (rules.maxBytes !== undefined && Buffer.byteLength(name) > rules.maxBytes) return `is longer than ${rules.maxBytes} bytes`;
  if (!rules.pattern.test(name)) return `must be ${rules.describe}`;
  return rules.refuses?.(name);
}

/** A record whose fields do not make a table name; carries the reason for the error port. */
export class TemplateError extends Error {}

export interface TableTemplate {
  readonly template: string;
  /** Fields the template reads, in order of appearance. */
  readonly fields: readonly string[];
  /** The table name when the template has no placeholder. */
  readonly fixed: string | undefined;
  /** The table for one record; throws `TemplateError` naming the field when it cannot. */
  nameFor(record: DataRecord): string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Compiles `readings_{region}` (dotted paths allowed: `{site.id}`). Throws an Error describing the
 * template's problem; a compiled template only throws `TemplateError` for a record's values.
 */
export function compileTableTemplate(template: string, rules: IdentifierRules = PORTABLE_IDENTIFIERS): TableTemplate {
  const literals: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const field = m[1]!.trim();
    if (field === '') throw new Error(`table template "${template}": empty placeholder {}`);
    literals.push(template.slice(last, m.index));
    fields.push(field);
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  if (literals.some((l) => l.includes('{') || l.includes('}'))) throw new Error(`table template "${template}": unbalanced { or }`);

  if (fields.length === 0) {
    const problem = identifierProblem(template, rules);
    if (problem) throw new Error(`table name "${template}" ${problem}`);
    return { template, fields, fixed: template, nameFor: () => template };
  }
  // A template whose placeholders are all "x" must already give a valid name; values can then only be wrong alone.
  const sample = literals.reduce((acc, lit, i) => acc + lit + (i < fields.length ? 'x' : ''), '');
  const problem = identifierProblem(sample, rules);
  if (problem) throw new Error(`table template "${template}" cannot give a valid name: "${sample}" ${problem}`);

  const getters: FieldGetter[] = fields.map((f) => fieldGetter(f));
  const cache = new Map<string, string>();
  return {
    template, fields, fixed: undefined,
    nameFor(record) {
      let name = literals[0]!;
      for (let i = 0; i < getters.length; i++) {
        const v = getters[i]!(record);
        const text = typeof v === 'string' ? v : typeof v === 'number' && Number.isInteger(v) ? String(v) : undefined;
        if (text === undefined || !rules.values.test(text)) {
          throw new TemplateError(`table name: field ${fields[i]} is ${showValue(v)}; the template "${template}" needs ${rules.describeValues} there`);
        }
        name += text + literals[i + 1]!;
      }
      let checked = cache.get(name);
      if (checked === undefined) {
        const bad = identifierProblem(name, rules);
        if (bad) throw new TemplateError(`table name "${name}" ${bad}`);
        checked = name;
        if (cache.size < 10_000) cache.set(name, name);
      }
      return checked;
    },
  };
}

export interface ColumnSpec<T extends string> {
  column: string;
  /** Dotted path of the record field that fills the column. */
  field: string;
  type: T;
}

export interface MappedColumn<T extends string> extends ColumnSpec<T> {
  get: FieldGetter;
}

/**
 * Column specs from `{ column: type }` plus optional `{ column: fieldPath }` renames (a column
 * reads the field of its own name unless renamed). Throws naming every bad column name.
 */
export function mapColumns<T extends string>(
  types: { [column: string]: T }, fields: { [column: string]: string } = {}, rules: IdentifierRules = PORTABLE_IDENTIFIERS,
): MappedColumn<T>[] {
  const problems: string[] = [];
  for (const column of Object.keys(fields)) {
    if (!(column in types)) problems.push(`field mapping for "${column}", which is not a column`);
  }
  const columns = Object.entries(types).map(([column, type]) => {
    const problem = identifierProblem(column, rules);
    if (problem) problems.push(`column "${column}" ${problem}`);
    const field = fields[column] ?? column;
    return { column, field, type, get: fieldGetter(field) };
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return columns;
}
