/** A node query called with parameters it cannot answer; the API answers 400 with the message. */
export class QueryError extends Error {
  readonly statusCode = 400;
  readonly code = 'BAD_QUERY';
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}
