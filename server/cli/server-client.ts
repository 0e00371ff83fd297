import { parseJson } from '../core/problems.js';
import { DEFAULT_SERVER } from './usage.js';

/** `--server`, else SLUICE_SERVER (what `sluice start` prints for a server elsewhere), else the default address. */
export function serverUrl(option: string | undefined): string {
  return option ?? (process.env.SLUICE_SERVER || DEFAULT_SERVER);
}

/** A call to a running Sluice server; connection failures become one readable message. */
export async function callServer(option: string | undefined, method: string, path: string, body?: string, token?: string): Promise<{ status: number; text: string }> {
  const server = serverUrl(option);
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

const TOKEN_HINT = 'create one with `npx sluice token create --scope editor` where the server keeps its data, then pass --token TOKEN or set SLUICE_TOKEN';

/**
 * `--token`, else SLUICE_TOKEN: an API token (`sluice token create`) or the server's SLUICE_ADMIN_TOKEN. An empty
 * SLUICE_TOKEN is what `export SLUICE_TOKEN=$(…)` leaves when the command inside failed: said, not sent.
 */
export function apiToken(option: string | undefined): string | undefined {
  if (option !== undefined) {
    if (option.trim() === '') throw new Error(`--token is empty; ${TOKEN_HINT}`);
    return option;
  }
  const env = process.env.SLUICE_TOKEN;
  if (env !== undefined && env.trim() === '') throw new Error(`SLUICE_TOKEN is set but empty (did the command that set it fail?); ${TOKEN_HINT}`);
  return env;
}

/** The `message` of an error body, or the raw text when the server answered something else. */
export function errorMessage(status: number, text: string): string {
  const parsed = parseJson(text);
  const body = parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? parsed.value as { message?: unknown; error?: unknown } : {};
  if (status === 401) return `${status} ${typeof body.message === 'string' ? body.message : 'not authenticated'}; ${TOKEN_HINT}`;
  if (typeof body.message === 'string') return `${status} ${body.message}`;
  if (typeof body.error === 'string') return `${status} ${body.error}`;
  return `${status} ${text.slice(0, 500)}`;
}
