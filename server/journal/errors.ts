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
