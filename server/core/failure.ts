/**
 * Thrown by a node whose external system cannot be reached at all (connection refused, timeout, 5xx,
 * database restarting): nothing is wrong with the records, so the executor retries until the system is
 * back, without counting attempts against the node's retry policy, and the journal absorbs the backlog
 * (backpressure, never dead letters). Errors caused by the records themselves must not use it.
 */
export class UnavailableError extends Error {
  readonly unavailable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

/** Matched by property, so an error from any module (or a wrapped one) can say it is an outage. */
export function isUnavailable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { unavailable?: unknown }).unavailable === true;
}

/**
 * Thrown by a node when retrying the same batch cannot help (e.g. a receiver answered 400): the executor
 * skips the remaining attempts and sends the batch straight to `error` (or the dead letters).
 */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export function isPermanent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true;
}
