import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeDefinition } from '../core/types.js';

/** Loads extra node types: each module's default export is a NodeDefinition or an array of them. */
export async function loadNodeModules(paths: string[]): Promise<NodeDefinition[]> {
  const definitions: NodeDefinition[] = [];
  for (const path of paths) {
    const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
    const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
    for (const d of exported) {
      if (!isNodeDefinition(d)) throw new Error(`${path}: the default export must be a node definition or an array of them`);
      definitions.push(d);
    }
  }
  return definitions;
}

function isNodeDefinition(value: unknown): value is NodeDefinition {
  if (value === null || typeof value !== 'object') return false;
  const d = value as { [k: string]: unknown };
  return typeof d.type === 'string' && typeof d.create === 'function' && typeof d.config === 'object'
    && typeof d.inputs === 'object' && typeof d.outputs === 'object';
}
