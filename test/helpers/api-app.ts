import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppOptions } from '../../server/api/app.js';
import type { Scope } from '../../server/auth/roles.js';
import { silentLogger } from '../../server/core/logger.js';
import { NodeRegistry } from '../../server/core/registry.js';
import { RuntimeManager } from '../../server/runtime/manager.js';
import { builtinNodes } from '../../nodes/index.js';
import { testNodes } from '../fixtures/test-nodes.js';
import { tempDir } from './temp-dir.js';

export type TestContext = Parameters<typeof tempDir>[0];

/** `{ authorization: 'Bearer …' }`: spread into fetch, inject or `new WebSocket(url, { headers })`. */
export type AuthHeaders = { authorization: string };

export interface OpenedApp {
  /** Its `inject` sends the admin token unless the request sets its own `authorization` or `cookie` header. */
  app: FastifyInstance;
  runtime: RuntimeManager;
  /** The admin API token's header, for real sockets and fetch against `app.listen`. */
  auth: AuthHeaders;
  /** inject without any credentials (what an anonymous client gets). */
  anonymous: FastifyInstance['inject'];
  /** A new API token with these scopes (a role such as 'viewer', or external scopes such as 'flow:x'). */
  tokenFor(scopes: Scope[], options?: { ratePerMinute?: number }): AuthHeaders;
}

/**
 * A runtime in a fresh data directory with the built-in and test node types, and its HTTP app.
 * Access control is always on: the helper creates an admin API token in the data directory (the same
 * thing `sluice token create --scope admin` does) and makes `app.inject` use it by default.
 */
export async function openApp(t: TestContext, options?: AppOptions): Promise<OpenedApp> {
  const runtime = await RuntimeManager.open({
    dataDir: tempDir(t), registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger,
  });
  const app = await buildApp(runtime, options);
  // t.after hooks run in the order they are registered (Node 20): one hook closes the app before the runtime.
  t.after(async () => {
    await app.close();
    await runtime.close();
  });
  const tokenFor = (scopes: Scope[], opts: { ratePerMinute?: number } = {}): AuthHeaders => {
    const { token } = runtime.auth.createToken({ name: `test-${scopes.join('-')}`, scopes, createdBy: 'test', ratePerMinute: opts.ratePerMinute ?? null });
    return { authorization: `Bearer ${token}` };
  };
  const auth = tokenFor(['admin']);
  const anonymous = app.inject.bind(app) as FastifyInstance['inject'];
  app.inject = ((opts: InjectOptions | string) => anonymous(withAuth(opts, auth))) as FastifyInstance['inject'];
  return { app, runtime, auth, anonymous, tokenFor };
}

function withAuth(opts: InjectOptions | string, auth: AuthHeaders): InjectOptions {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  const headers = (o.headers ?? {}) as { [name: string]: unknown };
  const own = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization' || h.toLowerCase() === 'cookie');
  return own ? o : { ...o, headers: { ...headers, ...auth } };
}

/** simulate → debug: a small flow that produces debug messages. */
export const draft = (id: string, name = 'A flow') => ({
  sluice: 1, id, name,
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 3, ratePerSecond: 200, batchMs: 20 }, position: { x: 10, y: 20 } },
    { id: 'show', type: 'debug', config: { maxPerBatch: 1 } },
  ],
  wires: [{ from: 'sim', to: 'show' }],
});
