import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Value } from '@sinclair/typebox/value';
import { NodeRegistry } from '../../server/core/registry.js';
import type { NodeContext, NodeDefinition, NodeInstance } from '../../server/core/types.js';
import type { NodeServices } from '../../server/core/services.js';
import { AlertStore } from '../../server/services/alert-store.js';
import { ReportStore } from '../../server/services/report-store.js';
import { IngressRegistry } from '../../server/services/ingress.js';
import { builtinNodes } from '../../nodes/index.js';

const registry = new NodeRegistry(builtinNodes);

/**
 * A NodeContext for driving one node instance directly in a unit test. Everything a test does not
 * override is inert, except `append`, which fails: a node that is not a source must never call it.
 */
export function nodeContext(overrides: Partial<NodeContext> = {}): NodeContext {
  return {
    flowId: 'flow', nodeId: 'node', nodeName: overrides.nodeId ?? 'node', dataDir: '/nonexistent', signal: new AbortController().signal,
    services: testServices(),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    status: () => undefined,
    debug: () => undefined,
    publish: () => undefined,
    append: () => Promise.reject(new Error('this node is not a source')),
    sourceState: () => undefined,
    ...overrides,
  } as NodeContext;
}

/** Server services on an in-memory database (reports into `reportsDir`, a directory that does not exist unless given). */
export function testServices(overrides: Partial<NodeServices> = {}, reportsDir = '/nonexistent'): NodeServices {
  const db = new Database(':memory:');
  return {
    ingress: new IngressRegistry(), alerts: AlertStore.open(db),
    reports: ReportStore.open(db, { dir: reportsDir, audit: () => undefined, deadLetters: async function* () {} }),
    ...overrides,
  };
}

/** The config as a deploy would see it: defaults applied, then checked against the node's schema. */
export function configOf(type: string, raw: object, definitions: NodeDefinition[] = builtinNodes): unknown {
  const reg = definitions === builtinNodes ? registry.get(type) : new NodeRegistry(definitions).get(type);
  assert.ok(reg, `no node type "${type}"`);
  const config = Value.Default(reg.definition.config, structuredClone(raw));
  assert.ok(reg.check.Check(config), [...reg.check.Errors(config)].map((e) => `${e.path} ${e.message}`).join('; '));
  return config;
}

/** Creates a built-in node as a deploy would: defaults applied, config checked, then the factory. */
export async function createNode(type: string, raw: object, ctx: NodeContext = nodeContext()): Promise<NodeInstance> {
  const reg = registry.get(type);
  assert.ok(reg, `no built-in node type "${type}"`);
  return reg.definition.create(configOf(type, raw) as never, ctx);
}
