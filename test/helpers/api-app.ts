import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../server/api/app.js';
import { silentLogger } from '../../server/core/logger.js';
import { NodeRegistry } from '../../server/core/registry.js';
import { RuntimeManager } from '../../server/runtime/manager.js';
import { builtinNodes } from '../../nodes/index.js';
import { testNodes } from '../fixtures/test-nodes.js';
import { tempDir } from './temp-dir.js';

export type TestContext = Parameters<typeof tempDir>[0];

/** A runtime in a fresh data directory with the built-in and test node types, and its HTTP app. */
export async function openApp(t: TestContext, options?: AppOptions): Promise<{ app: FastifyInstance; runtime: RuntimeManager }> {
  const runtime = await RuntimeManager.open({
    dataDir: tempDir(t), registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger,
  });
  const app = await buildApp(runtime, options);
  // t.after runs in reverse order of registration: the app closes before the runtime.
  t.after(() => runtime.close());
  t.after(() => app.close());
  return { app, runtime };
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
