import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Value, ValuePointer } from '@sinclair/typebox/value';
import {
  DEFAULT_INPUT_PORT, DEFAULT_OUTPUT_PORT, FlowDocumentSchema, parsePortRef, type FlowDocument, type FlowSettings, type PortRef,
} from './flow-format.js';
import { checkJsonValue, PROTOTYPE_KEYS } from './json-text.js';
import { schemaErrorMessage } from './names.js';
import type { Problem } from './problems.js';
import { planFlow, type FlowPlan } from './partitioning.js';
import type { NodeRegistry, RegisteredNode } from './registry.js';
import { escapePointer, findReferences, resolveReferences, type SecretSource, type UnresolvedReference } from './secrets.js';
import { stableStringify } from './stable-json.js';
import type { RetryPolicy } from './types.js';

export interface CompiledNode {
  id: string;
  type: string;
  name: string;
  node: RegisteredNode;
  /** Config with references resolved and defaults applied: what the factory receives. Never exported. */
  config: unknown;
  retry: RetryPolicy;
  /** Equal keys mean "unchanged" across a redeploy (type and config as written, references unresolved). */
  identity: string;
  /** The type's output ports plus those its config declares. */
  outputs: string[];
}

export interface CompiledFlow {
  doc: FlowDocument;
  settings: FlowSettings;
  nodes: Map<string, CompiledNode>;
  /** Node ids in topological order: every node comes after all nodes wired into it. */
  order: string[];
  /** node id → output port → wired inputs, in document order. */
  wires: Map<string, Map<string, PortRef[]>>;
  /** Stages and partitions: what cluster mode runs where (one stage of one partition on a single server). */
  plan: FlowPlan;
}

export type CompileResult = { ok: true; flow: CompiledFlow } | { ok: false; problems: Problem[] };

const checkFormat = TypeCompiler.Compile(FlowDocumentSchema);

/** Checks everything a deploy needs and builds the runnable shape; collects every problem, not the first. */
export function compileFlow(input: unknown, registry: NodeRegistry, secrets: SecretSource): CompileResult {
  const problems: Problem[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [{ nodeId: null, path: '', message: 'a flow document must be a JSON object' }] };
  }
  const doc = input as FlowDocument;
  const rawNodes: unknown[] = Array.isArray(doc.nodes) ? doc.nodes : [];
  const nodeIdAt = (path: string): string | null => {
    const m = /^\/nodes\/(\d+)/.exec(path);
    const n = m ? rawNodes[Number(m[1])] : undefined;
    return n && typeof n === 'object' && typeof (n as { id?: unknown }).id === 'string' ? (n as { id: string }).id : null;
  };
  // Before anything that recurses (the format check, references, defaults): a config nested thousands
  // of levels deep would overflow the stack, and a prototype key would be assigned, not copied.
  const unsafe = unsafeParts(doc, rawNodes);
  if (unsafe.length > 0) return { ok: false, problems: unsafe.map((p) => ({ ...p, nodeId: nodeIdAt(p.path) })) };
  for (const e of checkFormat.Errors(doc)) {
    problems.push({ nodeId: nodeIdAt(e.path), path: e.path, message: schemaErrorMessage(e) ?? formatMessage(e.message, e.value) });
  }

  const nodes = new Map<string, CompiledNode>();
  rawNodes.forEach((raw, i) => {
    const node = compileNode(raw, `/nodes/${i}`, registry, secrets, problems);
    if (!node) return;
    if (nodes.has(node.id)) {
      problems.push({ nodeId: node.id, path: `/nodes/${i}/id`, message: `duplicate node id "${node.id}"` });
      return;
    }
    nodes.set(node.id, node);
  });

  const wires = compileWires(Array.isArray(doc.wires) ? doc.wires : [], nodes, rawNodes, problems);
  const order = topologicalOrder(nodes, wires, problems);
  const settings = doc.settings ?? {};
  const plan = problems.length === 0 ? planFlow(nodes, order, wires, settings, problems) : { stages: [], stageOf: new Map() };
  if (problems.length > 0) return { ok: false, problems: dedupe(problems) };
  return { ok: true, flow: { doc, settings, nodes, order, wires, plan } };
}

/** Keys refused inside a node's config: each can lead an assignment to `Object.prototype`. */
const CONFIG_KEYS: ReadonlySet<string> = new Set([...PROTOTYPE_KEYS, 'constructor', 'prototype']);

/** Nesting past the depth limit anywhere, `__proto__` anywhere, `constructor`/`prototype` in a config. */
function unsafeParts(doc: object, rawNodes: unknown[]): Omit<Problem, 'nodeId'>[] {
  const whole = checkJsonValue(doc, { forbiddenKeys: PROTOTYPE_KEYS });
  if (whole.fault) {
    return [{ path: whole.fault.path, message: whole.fault.message }];
  }
  const problems: Omit<Problem, 'nodeId'>[] = [];
  rawNodes.forEach((n, i) => {
    const config = n !== null && typeof n === 'object' ? (n as { config?: unknown }).config : undefined;
    const fault = checkJsonValue(config, { forbiddenKeys: CONFIG_KEYS }).fault;
    if (fault) problems.push({ path: `/nodes/${i}/config${fault.path}`, message: fault.message });
    else prototypeNames(config, `/nodes/${i}/config`, problems);
  });
  return problems;
}

/** `__proto__` as a segment of a field name or path (`"__proto__"`, `"a.__proto__"`, `"s/{__proto__}"`). */
const NAMES_PROTOTYPE = /(^|[.{}/:[\]])__proto__($|[.{}/:[\]])/;

/**
 * Config strings that name `__proto__` as a field: nodes assign to the fields their config names
 * (`rec[field] = …`), which would replace the prototype instead. Text with spaces (code, prose) is
 * not a name. Depth is already bounded when this runs.
 */
function prototypeNames(value: unknown, path: string, problems: Omit<Problem, 'nodeId'>[]): void {
  if (typeof value === 'string') {
    if (!/\s/.test(value) && NAMES_PROTOTYPE.test(value)) problems.push({ path, message: `"${value}" names "__proto__", the object prototype, not a field` });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => prototypeNames(v, `${path}/${i}`, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) prototypeNames(v, `${path}/${escapePointer(k)}`, problems);
  }
}

function compileNode(raw: unknown, at: string, registry: NodeRegistry, secrets: SecretSource, problems: Problem[]): CompiledNode | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { id, type, name, config, retry } = raw as { id?: unknown; type?: unknown; name?: unknown; config?: unknown; retry?: unknown };
  if (typeof id !== 'string' || typeof type !== 'string') return undefined;
  const registered = registry.get(type);
  if (!registered) {
    problems.push({ nodeId: id, path: `${at}/type`, message: `unknown node type "${type}"; known types: ${registry.types().join(', ')}` });
    return undefined;
  }
  const rawConfig = config === undefined ? {} : config;
  const missing: UnresolvedReference[] = [];
  const refusal = registered.definition.refusesReferences;
  // A type that refuses references never resolves one: not even a refused deploy asks the store for a value.
  const refused = refusal === undefined ? [] : findReferences(rawConfig, `${at}/config`);
  const resolved = refusal === undefined ? resolveReferences(rawConfig, secrets, `${at}/config`, missing) : rawConfig;
  for (const m of missing) {
    problems.push({ nodeId: id, path: m.path, message: `${m.reference} does not resolve: no such ${m.reference.startsWith('${env') ? 'environment variable' : 'secret'}` });
  }
  for (const r of refused) {
    missing.push(r);
    problems.push({ nodeId: id, path: r.path, message: `${r.reference} cannot be used in a ${type} node: ${refusal}` });
  }
  const withDefaults = typeWholeReferences(registered.definition.config, rawConfig, Value.Default(registered.definition.config, structuredClone(resolved)));
  const before = problems.length;
  for (const e of registered.check.Errors(withDefaults)) {
    // A value that came from a reference is a resolved secret: the problem names the path, never the value.
    const fromReference = missing.length > 0 || findReferences(ValuePointer.Get(rawConfig, e.path), '').length > 0;
    problems.push({ nodeId: id, path: `${at}/config${e.path}`, message: (fromReference ? undefined : schemaErrorMessage(e)) ?? formatMessage(e.message, fromReference ? undefined : e.value) });
  }
  const configValid = problems.length === before && missing.length === 0;
  const definition = registered.definition;
  if (configValid && definition.check) {
    for (const p of definition.check(withDefaults as never)) problems.push({ nodeId: id, path: `${at}/config${p.path}`, message: p.message });
  }
  const declared = configValid && definition.configOutputs ? definition.configOutputs(withDefaults as never) : [];
  return {
    id, type, name: typeof name === 'string' ? name : id, node: registered, config: withDefaults,
    retry: { ...registered.retry, ...(retry && typeof retry === 'object' ? retry : {}) },
    identity: stableStringify({ type, config: rawConfig }),
    outputs: [...new Set([...registered.outputs, ...declared])],
  };
}

/**
 * References resolve to text, but a field may want a number or a boolean (`"port": "${env:FTP_PORT}"`): a
 * string that is exactly one reference takes the type its schema asks for ("2121" → 2121, "true" → true).
 * Literal strings are not converted, so a port typed as "2121" is still refused.
 */
function typeWholeReferences(schema: TSchema, rawConfig: unknown, config: unknown): unknown {
  const paths = findReferences(rawConfig, '').filter((r) => ValuePointer.Get(rawConfig, r.path) === r.reference).map((r) => r.path);
  if (paths.length === 0) return config;
  const converted = Value.Convert(schema, structuredClone(config));
  for (const path of paths) {
    if (path === '') return converted;
    ValuePointer.Set(config, path, ValuePointer.Get(converted, path));
  }
  return config;
}

function compileWires(rawWires: unknown[], nodes: Map<string, CompiledNode>, rawNodes: unknown[], problems: Problem[]): Map<string, Map<string, PortRef[]>> {
  const wires = new Map<string, Map<string, PortRef[]>>();
  const known = new Set(rawNodes.map((n) => (n && typeof n === 'object' ? (n as { id?: unknown }).id : undefined)));
  const seen = new Set<string>();
  rawWires.forEach((w, i) => {
    if (!w || typeof w !== 'object') return;
    const { from, to } = w as { from?: unknown; to?: unknown };
    if (typeof from !== 'string' || typeof to !== 'string') return;
    const src = parsePortRef(from, DEFAULT_OUTPUT_PORT);
    const dst = parsePortRef(to, DEFAULT_INPUT_PORT);
    const at = `/wires/${i}`;
    const srcNode = nodes.get(src.node);
    const dstNode = nodes.get(dst.node);
    if (!srcNode) {
      if (!known.has(src.node)) problems.push({ nodeId: null, path: `${at}/from`, message: `wire from missing node "${src.node}"` });
    } else if (!srcNode.outputs.includes(src.port)) {
      problems.push({ nodeId: src.node, path: `${at}/from`, message: `node "${src.node}" (${srcNode.type}) has no output port "${src.port}"; its outputs: ${srcNode.outputs.join(', ') || 'none'}` });
    }
    if (!dstNode) {
      if (!known.has(dst.node)) problems.push({ nodeId: null, path: `${at}/to`, message: `wire to missing node "${dst.node}"` });
    } else if (!dstNode.node.inputs.includes(dst.port)) {
      const inputs = dstNode.node.inputs;
      problems.push({ nodeId: dst.node, path: `${at}/to`, message: inputs.length ? `node "${dst.node}" (${dstNode.type}) has no input port "${dst.port}"; its inputs: ${inputs.join(', ')}` : `node "${dst.node}" (${dstNode.type}) is a source and takes no input` });
    }
    const key = `${src.node}:${src.port}>${dst.node}:${dst.port}`;
    if (!srcNode || !dstNode || seen.has(key)) return;
    seen.add(key);
    const byPort = wires.get(src.node) ?? new Map<string, PortRef[]>();
    wires.set(src.node, byPort);
    byPort.set(src.port, [...(byPort.get(src.port) ?? []), dst]);
  });
  return wires;
}

function topologicalOrder(nodes: Map<string, CompiledNode>, wires: Map<string, Map<string, PortRef[]>>, problems: Problem[]): string[] {
  const indegree = new Map([...nodes.keys()].map((id) => [id, 0]));
  const targets = (id: string) => [...(wires.get(id)?.values() ?? [])].flat().map((r) => r.node);
  for (const id of nodes.keys()) for (const t of targets(id)) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const ready = [...nodes.keys()].filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const t of targets(id)) {
      const d = indegree.get(t)! - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  if (order.length < nodes.size) {
    const cyclic = [...nodes.keys()].filter((id) => !order.includes(id));
    problems.push({ nodeId: cyclic[0] ?? null, path: '/wires', message: `wires form a cycle through nodes ${cyclic.join(', ')}; flows must be acyclic` });
  }
  return order;
}

function formatMessage(text: string, value: unknown): string {
  const message = text.charAt(0).toLowerCase() + text.slice(1);
  if (value === undefined) return message;
  const shown = JSON.stringify(value);
  return `${message} (got ${shown === undefined ? typeof value : shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
