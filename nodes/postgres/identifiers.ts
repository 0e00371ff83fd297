import type { IdentifierRules } from '../lib/table-template.js';

/**
 * Names are always double-quoted, so any text PostgreSQL can store is a name: case, spaces and
 * unicode are kept. Longer than 63 bytes it would silently truncate them, so such names are refused.
 */
export const POSTGRES_IDENTIFIERS: IdentifierRules = {
  maxLength: 63,
  maxBytes: 63,
  pattern: /^[^\u0000]+$/,
  describe: 'text without NUL characters',
  values: /^[^\u0000]+$/,
  describeValues: 'a string or an integer without NUL characters',
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
