import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: SeenRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: { now: number; max: number };
  handle: Handler;
}

/** A real HTTP server on a free port, closed after the test; tests swap `handle` to change its answers. */
export async function startHttpServer(t: { after(fn: () => void | Promise<void>): void }, handle: Handler): Promise<TestServer> {
  const state: TestServer = { url: '', requests: [], inFlight: { now: 0, max: 0 }, handle };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      state.requests.push(seen);
      state.inFlight.now++;
      state.inFlight.max = Math.max(state.inFlight.max, state.inFlight.now);
      res.on('close', () => { state.inFlight.now--; });
      Promise.resolve(state.handle(seen, res)).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return state;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: { [name: string]: string } = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
