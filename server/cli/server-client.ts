import { parseJson } from '../core/problems.js';

/** A call to a running Sluice server; connection failures become one readable message. */
export async function callServer(server: string, method: string, path: string, body?: string, token?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, server.endsWith('/') ? server : `${server}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the Sluice server at ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  return { status: response.status, text: await response.text() };
}

/** `--token`, else SLUICE_TOKEN: an API token (`sluice token create`) or the server's SLUICE_ADMIN_TOKEN. */
export function apiToken(option: string | undefined): string | undefined {
  return option ?? (process.env.SLUICE_TOKEN || undefined);
}

/** The `message` of an error body, or the raw text when the server answered something else. */
export function errorMessage(status: number, text: string): string {
  const parsed = parseJson(text);
  const body = parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? parsed.value as { message?: unknown; error?: unknown } : {};
  if (typeof body.message === 'string') return `${status} ${body.message}`;
  if (typeof body.error === 'string') return `${status} ${body.error}`;
  return `${status} ${text.slice(0, 500)}`;
}
