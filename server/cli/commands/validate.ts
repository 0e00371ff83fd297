import { parseArgs } from 'node:util';
import { compileFlow } from '../../core/compile-flow.js';
import { NodeRegistry } from '../../core/registry.js';
import type { SecretSource } from '../../core/secrets.js';
import { builtinNodes } from '../../../nodes/index.js';
import { readFlowFile } from '../flow-file.js';
import { loadNodeModules } from '../node-modules.js';
import { problemLine, type Output } from '../output.js';
import { UsageError } from '../usage.js';

const PLACEHOLDER = 'placeholder-not-checked-offline';

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
  const registry = new NodeRegistry([...builtinNodes, ...(await loadNodeModules(values.nodes ?? []))]);
  // The secrets live on the server, so offline every reference counts as set; the ones met are listed.
  const references = new Set<string>();
  const assumeSet: SecretSource = {
    get(kind, name) {
      references.add(`\${${kind}:${name}}`);
      return PLACEHOLDER;
    },
  };
  const result = compileFlow(file.doc, registry, assumeSet);
  // A field holding a reference (a broker URL, say) cannot be checked against its pattern offline: the
  // problems the stand-in value causes are not the file's.
  const problems = result.ok ? [] : result.problems.filter((p) => !p.message.includes(PLACEHOLDER));
  if (problems.length > 0) {
    for (const p of problems) output.out(problemLine(p));
    return 1;
  }
  const doc = file.doc as { id: string; nodes: unknown[]; wires: unknown[] };
  output.out(`ok: ${doc.id} (${doc.nodes.length} nodes, ${doc.wires.length} wires)`);
  if (references.size > 0) {
    output.out(`note: not checked offline, assumed set on the server: ${[...references].sort().join(', ')}`);
  }
  return 0;
}
