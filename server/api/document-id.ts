import { FlowInvalidError } from '../core/problems.js';

/** The `id` of a body that looks like a flow document, if it has a string one. */
export function documentId(body: unknown): string | undefined {
  const id = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A document sent to /api/flows/:id must be that flow. Only a differing id is reported here, as a
 * problem at /id; a missing or malformed id is left to the format check, which reports it with the rest.
 */
export function requireDocumentId(body: unknown, flowId: string): void {
  const id = documentId(body);
  if (id !== undefined && id !== flowId) {
    throw new FlowInvalidError([{ nodeId: null, path: '/id', message: `the document's id "${id}" is not the flow "${flowId}" in the URL` }]);
  }
}
