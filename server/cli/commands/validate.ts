import { parseArgs } from 'node:util';
import { compileFlow } from '../../core/compile-flow.js';
import { NodeRegistry } from '../../core/registry.js';
import { escapePointer, type SecretSource } from '../../core/secrets.js';
import type { Problem } from '../../core/problems.js';
import { builtinNodes } from '../../../nodes/index.js';
import { nodeRedList } from '../../node-red/index.js';
import { readFlowFile } from '../flow-file.js';
import { loadNodeModules } from '../node-modules.js';
import { problemLine, type Output } from '../output.js';
import { UsageError } from '../usage.js';

/** What a reference stands for offline; never shown: a message quoting it names the reference instead. */
const placeholder = (index: number) => `sluice-offline-reference-${index}`;

/** `sluice validate FILE`: the checks of a deploy, offline. */
export async function validateCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { nodes: { type: 'string', multiple: true } },
  });
  if (positionals.length !== 1) throw new UsageError('validate takes exactly one FILE');
  const file = await readFlowFile(positionals[0]!);
  if (!file.ok) {
    for (const p of file.problems) output.out(problemLine(p));
    return 1;
  }
  const nodeRed = nodeRedList(file.doc);
  if (nodeRed) {
    const tabs = nodeRed.filter((n) => (n as { type: string }).type === 'tab').length;
    output.out(`${positionals[0]}: this is a Node-RED export (${nodeRed.length} nodes${tabs ? ` on ${tabs} tabs` : ''}), not a Sluice flow document; translate it with`);
    output.out(`  sluice import-node-red ${positionals[0]} --out DIR`);
    output.out('then validate the files written to DIR (or use Import in the editor, or POST /api/import, which make drafts directly)');
    return 1;
  }
  const registry = new NodeRegistry([...builtinNodes, ...(await loadNodeModules(values.nodes ?? []))]);
  // The secrets live on the server, so offline every reference counts as set; the ones met are listed.
  const references = new Map<string, string>();
  const assumeSet: SecretSource = {
    get(kind, name) {
      const reference = `\${${kind}:${name}}`;
      if (!references.has(reference)) references.set(reference, placeholder(references.size));
      return references.get(reference);
    },
  };
  const compiled = compileFlow(file.doc, registry, assumeSet);
  const unplaceholder = (p: Problem): Problem => {
    let message = p.message;
    for (const [reference, value] of references) message = message.replaceAll(value, reference);
    return { ...p, message };
  };
  const result = compiled.ok ? compiled : { ...compiled, problems: compiled.problems.map(unplaceholder) };
  // A value built from a reference (`${env:API}/readings`, a URL or address that is one reference) cannot be
  // checked without the value: its problems are listed as unchecked, not as failures.
  const referenced = referencePaths(file.doc);
  const isReferenced = (p: Problem) => referenced.some((r) => p.path === r || p.path.startsWith(`${r}/`));
  const problems = result.ok ? [] : result.problems.filter((p) => !isReferenced(p));
  const unchecked = result.ok ? [] : result.problems.filter(isReferenced);
  if (problems.length > 0) {
    for (const p of problems) output.out(problemLine(p));
    return 1;
  }
  const doc = file.doc as { id: string; nodes: unknown[]; wires: unknown[] };
  output.out(`ok: ${doc.id} (${doc.nodes.length} nodes, ${doc.wires.length} wires)`);
  // The check itself said nothing true (it judged a stand-in): only which field waits for which value.
  for (const path of new Set(unchecked.map((p) => p.path))) {
    const { nodeId } = unchecked.find((u) => u.path === path)!;
    const refs = referencesAt(file.doc, path);
    output.out(`note: ${path}${nodeId ? ` (node ${nodeId})` : ''} is checked on the server, where ${refs.join(' and ')} ${refs.length > 1 ? 'have values' : 'has a value'}`);
  }
  if (references.size > 0) {
    output.out(`note: not checked offline, assumed set on the server: ${[...references.keys()].sort().join(', ')}`);
  }
  return 0;
}

/** The references written in the string at `pointer` (a path into the document that referencePaths found). */
function referencesAt(doc: unknown, pointer: string): string[] {
  let value: unknown = doc;
  for (const part of pointer.split('/').slice(1)) {
    value = (value as { [key: string]: unknown } | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof value === 'string' ? [...new Set(value.match(/\$\{(secret|env):[^}]+\}/g) ?? [])] : [];
}

/** JSON pointers of the node config strings holding a `${secret:…}` or `${env:…}` reference. */
function referencePaths(doc: unknown): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (/\$\{(secret|env):/.test(value)) paths.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}/${i}`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}/${escapePointer(k)}`);
    }
  };
  const nodes = (doc as { nodes?: unknown }).nodes;
  if (Array.isArray(nodes)) nodes.forEach((n, i) => walk((n as { config?: unknown } | null)?.config, `/nodes/${i}/config`));
  return paths;
}
