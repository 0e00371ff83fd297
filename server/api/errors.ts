import { NotFoundError } from '../runtime/errors.js';

/** An error a route means to answer with: its status and a stable machine-readable code. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function flowNotFound(flowId: string): NotFoundError {
  return new NotFoundError(`flow "${flowId}"`);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'not-found', message);
}
