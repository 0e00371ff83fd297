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
