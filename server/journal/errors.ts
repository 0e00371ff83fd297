import { checkJsonValue } from '../core/json-text.js';

/** Thrown by `append` past the journal quota: sources translate it into a polite refusal. */
export class JournalFullError extends Error {
  readonly code = 'JOURNAL_FULL';
  constructor(readonly backlogBytes: number, readonly quotaBytes: number) {
    super(`journal full: ${backlogBytes} bytes not yet checkpointed, quota ${quotaBytes} bytes (a sink is probably down)`);
    this.name = 'JournalFullError';
  }
}

export class JournalClosedError extends Error {
  readonly code = 'JOURNAL_CLOSED';
  constructor() {
    super('journal is closed (flow stopped or redeployed)');
    this.name = 'JournalClosedError';
  }
}

/** Why JSON.stringify failed on `records`, located: the record and the path past the depth limit, or the engine's words. */
export function whyNotJson(records: readonly unknown[], err: unknown): string {
  for (let i = 0; i < records.length; i++) {
    const fault = checkJsonValue(records[i]).fault;
    if (fault?.tooDeep) return `record ${i} is ${fault.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Records that can never be journaled: not JSON (a BigInt, a cycle) or nested too deep to encode.
 * Retrying cannot help; a source sets such a message aside (its `invalid` port) and goes on.
 */
export class RecordsNotJsonError extends Error {
  readonly code = 'RECORDS_NOT_JSON';
  constructor(reason: string) {
    super(`records cannot be journaled as JSON: ${reason}`);
    this.name = 'RecordsNotJsonError';
  }
}

/** The journal cannot be reached (cluster mode: no NATS connection, or no quorum): sources refuse politely. */
export class JournalUnavailableError extends Error {
  readonly code = 'JOURNAL_UNAVAILABLE';
  constructor(reason: string) {
    super(`journal unavailable: ${reason}`);
    this.name = 'JournalUnavailableError';
  }
}

/** Another server owns the partition now (its lease or checkpoint moved on): the stale owner must stop writing. */
export class JournalFencedError extends Error {
  readonly code = 'JOURNAL_FENCED';
  constructor(what: string) {
    super(`fenced: ${what}`);
    this.name = 'JournalFencedError';
  }
}
