import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ERROR_PORT } from './flow-format.js';
import { DEFAULT_RETRY } from './retry-policy.js';
import type { NodeDefinition, RetryPolicy } from './types.js';


export interface RegisteredNode {
  definition: NodeDefinition;
  check: TypeCheck<TSchema>;
  inputs: string[];
  outputs: string[];
  retry: RetryPolicy;
}

/** The node catalog: the runtime, the API and the validator look node types up here, never by name. */
export class NodeRegistry {
  private readonly nodes = new Map<string, RegisteredNode>();

  constructor(definitions: Iterable<NodeDefinition> = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: NodeDefinition): void {
    if (this.nodes.has(definition.type)) throw new Error(`node type "${definition.type}" is registered twice`);
    const inputs = Object.keys(definition.inputs);
    const outputs = Object.keys(definition.outputs);
    if (inputs.length > 0 && !outputs.includes(ERROR_PORT)) outputs.push(ERROR_PORT);
    this.nodes.set(definition.type, {
      definition,
      check: TypeCompiler.Compile(definition.config),
      inputs,
      outputs,
      retry: { ...DEFAULT_RETRY, ...definition.retry },
    });
  }

  get(type: string): RegisteredNode | undefined {
    return this.nodes.get(type);
  }

  types(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** What the palette and the API publish for each type. */
  catalog(): CatalogEntry[] {
    return this.types().map((type) => {
      const n = this.nodes.get(type)!;
      const d = n.definition;
      return {
        type, category: d.category, label: d.label, docs: d.docs,
        inputs: n.inputs.map((name) => ({ name, description: d.inputs[name] ?? '' })),
        outputs: n.outputs.map((name) => ({
          name, description: d.outputs[name] ?? 'records that failed after the last retry attempt',
        })),
        configSchema: d.config, retry: n.retry,
      };
    });
  }
}

export interface CatalogEntry {
  type: string;
  category: string;
  label: string;
  docs: string;
  inputs: { name: string; description: string }[];
  outputs: { name: string; description: string }[];
  configSchema: TSchema;
  retry: RetryPolicy;
}
