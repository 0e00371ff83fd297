import { UnavailableError } from '../../server/core/failure.js';

interface PgError {
  code?: string;
  message: string;
  where?: string;
  detail?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
// 57P01-03: shutdown or start-up in progress; 53300: too many connections; 57014: statement timeout;
// 40001/40P01: serialization failure and deadlock. None of them is the records' fault.
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '40001', '40P01']);
const DROPPED = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|server closed the connection/i;

/** SQLSTATE 23505: the optimistic COPY met a key already stored (a replay): merge instead. */
export const isUniqueViolation = (err: unknown): boolean => (err as PgError).code === '23505';

/** Errors caused by one row's values (bad format, NOT NULL, CHECK): that row goes to `error`. */
export function isRowError(err: unknown): boolean {
  const code = (err as PgError).code ?? '';
  return code.startsWith('22') || code === '23502' || code === '23514' || code === '23503';
}

/** COPY reports the failing input line in `where`: `COPY readings, line 3, column value: "abc"`. */
export function copyLine(err: unknown): number | undefined {
  const m = /\bline (\d+)\b/.exec((err as PgError).where ?? '');
  return m ? Number(m[1]) : undefined;
}

export function describe(err: unknown): string {
  const e = err as PgError;
  const code = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : '';
  return `${e.message}${code}${e.detail ? `: ${e.detail}` : ''}`;
}

/** Outages become UnavailableError (retried until PostgreSQL is back); anything else stays as it is. */
export function classify(err: unknown): Error {
  const e = err as PgError;
  const code = e.code ?? '';
  if (NETWORK_CODES.has(code) || code.startsWith('08') || TRANSIENT_SQLSTATES.has(code) || DROPPED.test(e.message ?? '')) {
    return new UnavailableError(`PostgreSQL unavailable: ${describe(err)}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
