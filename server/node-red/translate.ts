import type { FlowDocument, FlowNode } from '../core/flow-format.js';
import { portName } from '../../nodes/message/ports.js';
import { NodeRedExportError, nodeRedList, readExport, type ExportParts } from './export.js';
import { dissolveJunctions, loopEdges, type Edge } from './graph.js';
import { safeId, slug, str, type NrNode } from './model.js';
import type { ImportProblem, ImportReport, NodeReport, SecretNeeded } from './report.js';
import { expandSubflows } from './subflows.js';
import { TABLE, UNSUPPORTED } from './table.js';
import { tickNeed } from './translators/timing.js';
import type { Translation } from './translators/types.js';

export interface ImportOptions {
  /** Import only this tab (its id or its label). */
  tab?: string;
  /** The flow id when the import makes one flow (default: from the tab's label). */
  flowId?: string;
  /** The label of nodes that are on no tab (exports of a few nodes), e.g. the file's name. */
  name?: string;
  /** Flow ids already in use (the server's flows): the import picks others rather than overwrite them. */
  takenIds?: Iterable<string>;
}

export interface ImportResult {
  flows: FlowDocument[];
  report: ImportReport;
}

/** What a Sluice flow may hold (FlowDocumentSchema): a larger tab is refused as a whole, with the reason. */
const MAX_NODES = 2000;
const MAX_WIRES = 10_000;
const JUNCTIONS = new Set(['junction', 'link in']);
const SCALE = { x: 1.5, y: 2.2 };

interface Wire { from: string; port: string; to: string }

/**
 * Translates a Node-RED export node for node into Sluice flow documents, one per tab, and says what became
 * of every node. Throws NodeRedExportError when the body is not a Node-RED export or cannot be imported.
 */
export function translateNodeRed(body: unknown, options: ImportOptions = {}): ImportResult {
  const list = nodeRedList(body);
  if (!list) throw new NodeRedExportError('not a Node-RED export: expected an array of nodes (or { "flows": [...] }) whose nodes have a type and a z or wires');
  const parts = readExport(list);
  const report: ImportReport = { flows: [], nodes: [], secrets: [], problems: [], counts: { translated: 0, approximated: 0, needsHand: 0 } };
  const secrets = new Map<string, SecretNeeded>();
  const tabs = chooseTabs(parts, options);
  const usedIds = new Set<string>(options.takenIds ?? []);
  const flows = tabs.map((tab) => {
    const flowId = uniqueId(options.flowId && tabs.length === 1 ? options.flowId : slug(str(tab.label) || options.name || 'node-red-import', 'node-red-import'), usedIds);
    return translateTab(tab, flowId, parts, report, secrets);
  });
  reportConfigNodes(parts, report);
  report.secrets = [...secrets.values()];
  for (const n of report.nodes) {
    if (n.status === 'translated') report.counts.translated++;
    else if (n.status === 'approximated') report.counts.approximated++;
    else report.counts.needsHand++;
  }
  return { flows, report };
}

function chooseTabs(parts: ExportParts, options: ImportOptions): NrNode[] {
  const tabs: NrNode[] = [...parts.tabs];
  for (const z of parts.byTab.keys()) {
    if (!tabs.some((t) => t.id === z)) tabs.push({ id: z, type: 'tab', label: options.name ?? (z === '' ? 'Node-RED import' : z) });
  }
  const withNodes = tabs.filter((t) => parts.byTab.has(t.id) || parts.tabs.includes(t));
  if (options.tab === undefined) {
    if (withNodes.length === 0) throw new NodeRedExportError('the export holds no flow nodes (only config nodes or subflow definitions)');
    return withNodes;
  }
  const chosen = withNodes.filter((t) => t.id === options.tab || t.label === options.tab);
  if (chosen.length === 0) throw new NodeRedExportError(`no tab "${options.tab}" in the export; its tabs: ${withNodes.map((t) => `"${str(t.label)}" (${t.id})`).join(', ')}`);
  return chosen.slice(0, 1);
}

function uniqueId(base: string, used: Set<string>): string {
  let id = safeId(base);
  for (let i = 2; used.has(id); i++) id = `${safeId(base).slice(0, 120)}-${i}`;
  used.add(id);
  return id;
}

function translateTab(tab: NrNode, flowId: string, parts: ExportParts, report: ImportReport, secrets: Map<string, SecretNeeded>): FlowDocument {
  const problems = report.problems;
  if (tab.disabled === true) problems.push({ nodeId: tab.id, message: `the tab "${str(tab.label)}" is disabled in Node-RED; it is imported as a draft all the same (deploy it only when you mean it to run)` });
  const nodes = expandSubflows(parts.byTab.get(tab.id) ?? [], parts, problems);
  const onTab = new Map(nodes.map((n) => [n.id, n]));
  // Wires to a subflow instance go to its input junction.
  const renamed = new Map<string, string>();
  for (const n of nodes) if (typeof n._replaces === 'string') renamed.set(n._replaces, n.id);
  const target = (id: string) => renamed.get(id) ?? id;

  const sluice: FlowNode[] = [];
  const sid = new Map<string, string>();
  const usedIds = new Set<string>();
  const ports = new Map<string, (i: number) => string | undefined>();
  const inputs = new Set<string>();
  const junctions = new Set<string>();
  const catches: NrNode[] = [];
  /** link out → the link in nodes it reaches (Node-RED keeps them in `links`, not in `wires`). */
  const linked = new Map<string, string[]>();
  const entries = new Map<string, NodeReport>();
  const tickNeeds: number[] = [];
  const secretFor = (nodeId: string) => (name: string, what: string) => {
    const s = secrets.get(name) ?? { name, what, usedBy: [] };
    if (!s.usedBy.includes(nodeId)) s.usedBy.push(nodeId);
    secrets.set(name, s);
    return `\${secret:${name}}`;
  };

  const entry = (n: NrNode, e: Omit<NodeReport, 'id' | 'type' | 'flowId'>) => {
    const inner = n._subflow as { instance: string; inner: string } | undefined;
    const r: NodeReport = { id: inner ? `${inner.instance}/${inner.inner}` : n.id, type: n.type, ...(n.name ? { name: str(n.name) } : {}), flowId, ...e };
    report.nodes.push(r);
    entries.set(n.id, r);
    return r;
  };
  const add = (n: NrNode, type: string, config: { [k: string]: unknown }, isNote = false): string => {
    const id = uniqueId(n.id, usedIds);
    sid.set(n.id, id);
    const x = Number(n.x ?? 0);
    const y = Number(n.y ?? 0);
    // Sluice nodes are larger than Node-RED's (about 170 × 80 against 120 × 30) and placed by their corner,
    // not their centre: the layout is spread so that neighbours do not overlap.
    if (isNote && typeof config.width === 'number') Object.assign(config, { width: Math.round(config.width * SCALE.x), height: Math.round(Number(config.height) * SCALE.y) });
    sluice.push({
      id, type, ...(n.name ? { name: str(n.name).slice(0, 256) } : {}), config,
      position: isNote ? { x: Math.round(x * SCALE.x), y: Math.round(y * SCALE.y) } : { x: Math.max(0, Math.round(x * SCALE.x - 85)), y: Math.max(0, Math.round(y * SCALE.y - 40)) },
    });
    return id;
  };
  const placeholder = (n: NrNode, reason: string) => {
    const outputs = Math.min(100, n.wires?.length ?? 0);
    const id = add(n, 'node-red-placeholder', { nodeRedType: n.type, reason, outputs, original: original(n) });
    ports.set(n.id, (i) => (i < outputs ? portName(i) : undefined));
    inputs.add(n.id);
    entry(n, { status: 'needs-hand', becomes: 'placeholder', sluiceIds: [id], notes: [reason] });
  };

  for (const n of nodes) {
    if (n.type === 'junction' && n._instance) {
      const inst = n._instance as NrNode;
      junctions.add(n.id);
      const env = Array.isArray(inst.env) && inst.env.length > 0;
      entry(inst, { status: env ? 'approximated' : 'translated', becomes: `the nodes of subflow ${inst.type.slice(8)}, inline`, sluiceIds: [], notes: env ? ['the instance\'s properties (env) are not applied to its nodes'] : [] });
      continue;
    }
    if (JUNCTIONS.has(n.type)) {
      junctions.add(n.id);
      if (!n._synthetic) entry(n, { status: 'translated', becomes: 'wires', sluiceIds: [], notes: [] });
      continue;
    }
    if (n.type === 'link out') {
      const links = Array.isArray(n.links) ? (n.links as string[]) : [];
      const away = links.filter((l) => !onTab.has(l));
      if (str(n.mode) === 'return') { placeholder(n, 'a link out in "return" mode answers a link call, which wires cannot express'); continue; }
      if (away.length > 0) { placeholder(n, `it links to ${away.map((l) => `"${l}"`).join(', ')} on another tab, which becomes another Sluice flow: wire the flows through MQTT, or put both in one tab`); continue; }
      junctions.add(n.id);
      linked.set(n.id, links);
      entry(n, { status: 'translated', becomes: 'wires', sluiceIds: [], notes: [] });
      continue;
    }
    if (n.type === 'catch') {
      if (n.scope === 'group') { placeholder(n, 'a catch scoped to its group is not supported'); continue; }
      add(n, 'catch', { sources: {} });
      ports.set(n.id, portName);
      catches.push(n);
      continue;
    }
    if (n.d === true) { placeholder(n, 'it is disabled in Node-RED, and Sluice has no disabled nodes: delete it, or replace it to use it'); continue; }
    const translator = TABLE[n.type]?.translate;
    const t: Translation = translator
      ? translator(n, { configNode: (id) => (typeof id === 'string' ? parts.config.get(id) : undefined), secret: secretFor(n.id), sluiceId: n.id })
      : { status: 'needs-hand', reason: UNSUPPORTED[n.type] ? `Node-RED's ${n.type} node: ${UNSUPPORTED[n.type]}` : n.type.startsWith('subflow') ? 'its subflow definition is not in the export' : `"${n.type}" is not a Node-RED core type (a contrib node?) and has no translation` };
    if (t.status === 'needs-hand') { placeholder(n, t.reason); continue; }
    const isNote = t.type === 'note';
    const id = add(n, t.type, t.config, isNote);
    const need = tickNeed(t.type, t.config);
    if (need) tickNeeds.push(need);
    const mapped = t.ports;
    ports.set(n.id, (i) => mapped?.[i] ?? portName(i));
    if (!isNote && !t.source) inputs.add(n.id);
    entry(n, { status: t.status, becomes: t.type, sluiceIds: [id], notes: t.notes });
  }

  // Node-RED wires, through junctions and links, as edges between real nodes.
  const edges: Edge[] = [];
  for (const n of nodes) (linked.has(n.id) ? [linked.get(n.id)!] : n.wires ?? []).forEach((targets, port) => { for (const t of targets) edges.push({ from: n.id, port, to: target(t) }); });
  const wires: Wire[] = [];
  for (const e of dissolveJunctions(edges, (id) => junctions.has(id))) {
    const from = sid.get(e.from);
    const port = ports.get(e.from)?.(e.port);
    if (!from || port === undefined) continue;
    const to = sid.get(e.to);
    if (!to) {
      if (!onTab.has(e.to)) problems.push({ nodeId: e.from, message: `node "${e.from}" is wired to "${e.to}", which is not in the export` });
      continue;
    }
    if (!inputs.has(e.to)) { problems.push({ nodeId: e.to, message: `a wire from "${e.from}" to "${e.to}" (${onTab.get(e.to)?.type}) was not kept: that node takes no input in Sluice` }); continue; }
    wires.push({ from, port, to });
  }
  for (const c of catches) wires.push(...catchWires(c, nodes, sid, sluice, inputs, wires, entry, entries));

  breakLoops(sluice, wires, problems, flowId);
  if (sluice.length > MAX_NODES || wires.length > MAX_WIRES) {
    throw new NodeRedExportError(`the tab "${str(tab.label)}" (${tab.id}) makes ${sluice.length} nodes and ${wires.length} wires; a Sluice flow holds at most ${MAX_NODES} nodes and ${MAX_WIRES} wires: split the tab in Node-RED, or import the other tabs one by one (?tab=)`);
  }
  report.flows.push({ flowId, tab: tab.id, label: str(tab.label), nodes: sluice.length });
  const tickMs = tickNeeds.length ? Math.min(1000, Math.max(100, Math.round(Math.min(...tickNeeds) / 4 / 50) * 50)) : undefined;
  return {
    sluice: 1, id: flowId, name: (str(tab.label) || flowId).slice(0, 256),
    ...(str(tab.info) ? { description: str(tab.info).slice(0, 10_000) } : {}),
    nodes: sluice, wires: wires.map((w) => ({ from: w.port === 'out' ? w.from : `${w.from}:${w.port}`, to: w.to })),
    ...(tickMs ? { settings: { tickMs } } : {}),
  };
}

/**
 * A catch node becomes a Sluice catch fed by the error ports of the nodes it covers (its scope, or the whole
 * tab), except nodes downstream of the catch itself, whose errors would loop back into it.
 */
function catchWires(
  c: NrNode, nodes: NrNode[], sid: Map<string, string>, sluice: FlowNode[], inputs: Set<string>, wires: Wire[],
  entry: (n: NrNode, e: Omit<NodeReport, 'id' | 'type' | 'flowId'>) => NodeReport, entries: Map<string, NodeReport>,
): Wire[] {
  const scope = Array.isArray(c.scope) ? new Set(c.scope as string[]) : undefined;
  const notes: string[] = [];
  if (c.uncaught === true) notes.push('"ignore errors handled by other catch nodes" is not applied: it sees every error of its scope');
  const id = sid.get(c.id)!;
  const covered = nodes.filter((n) => inputs.has(n.id) && n.type !== 'catch' && (!scope || scope.has(n.id)) && entries.get(n.id)?.becomes !== 'placeholder');
  // Downstream of the catch: what its own wires reach.
  const reach = new Set<string>([id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const w of wires) if (reach.has(w.from) && !reach.has(w.to)) { reach.add(w.to); grew = true; }
  }
  const skipped = covered.filter((n) => reach.has(sid.get(n.id)!));
  if (skipped.length) notes.push(`errors of ${skipped.map((n) => n.id).join(', ')} (downstream of the catch) are not caught: they would loop back into it`);
  const caught = covered.filter((n) => !reach.has(sid.get(n.id)!));
  const sources: { [id: string]: { type: string; name: string } } = {};
  for (const n of caught) sources[sid.get(n.id)!] = { type: n.type, name: str(n.name) };
  sluice.find((n) => n.id === id)!.config = { sources };
  inputs.add(c.id);
  entry(c, { status: notes.length ? 'approximated' : 'translated', becomes: 'catch', sluiceIds: [id], notes });
  return caught.map((n) => ({ from: sid.get(n.id)!, port: 'error', to: id }));
}

/** Sluice flows are acyclic: a wire that closes a loop goes to a placeholder that says which loop it was. */
function breakLoops(nodes: FlowNode[], wires: Wire[], problems: ImportProblem[], flowId: string): void {
  const edges: Edge[] = wires.map((w, i) => ({ from: w.from, port: i, to: w.to }));
  loopEdges(nodes.map((n) => n.id), edges).forEach(({ edge, cycle }, k) => {
    const w = wires[edge.port]!;
    const id = `loop-${k + 1}`;
    const reason = `the wire from "${w.from}" to "${w.to}" closes a loop (${cycle.join(' → ')}); Sluice flows are acyclic: rebuild the loop as a retry policy, a delay feeding MQTT, or state in one node`;
    problems.push({ nodeId: w.from, message: `flow ${flowId}: ${reason}` });
    const from = nodes.find((n) => n.id === w.from)?.position ?? { x: 0, y: 0 };
    nodes.push({ id, type: 'node-red-placeholder', name: 'loop', config: { nodeRedType: 'wire', reason, outputs: 0, original: {} }, position: { x: from.x + 40, y: from.y + 60 } });
    w.to = id;
  });
}

/** The node as exported, for whoever replaces its placeholder: never credentials, and no canvas fields. */
function original(n: NrNode): { [k: string]: unknown } {
  const { id: _i, type: _t, z: _z, x: _x, y: _y, wires: _w, credentials: _c, _subflow: _s, _replaces: _r, _instance: _n, ...rest } = n;
  return rest;
}

function reportConfigNodes(parts: ExportParts, report: ImportReport): void {
  const users = new Map<string, string[]>();
  const all = [...parts.byTab.values()].flat().concat([...parts.subflows.values()].flatMap((s) => s.nodes));
  for (const n of all) for (const v of Object.values(n)) if (typeof v === 'string' && parts.config.has(v)) users.set(v, [...(users.get(v) ?? []), n.id]);
  for (const c of parts.config.values()) {
    const used = users.get(c.id) ?? [];
    const known = TABLE[c.type];
    const usedBy = used.length ? `used by ${used.join(', ')}` : 'used by no node';
    const status = !known ? 'needs-hand' : c.type === 'tls-config' && used.length ? 'approximated' : 'translated';
    report.nodes.push({
      id: c.id, type: c.type, ...(c.name ? { name: str(c.name) } : {}), status, becomes: known ? known.becomes : 'nothing', sluiceIds: [],
      notes: [known ? usedBy : `config node of type "${c.type}" has no translation (${usedBy})`],
    });
  }
}
