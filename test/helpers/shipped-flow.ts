import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCommand } from '../../server/cli/commands/validate.js';
import { packageRoot } from '../../server/cli/package-root.js';

export interface ShippedFlow {
  sluice: 1;
  id: string;
  name: string;
  description: string;
  nodes: { id: string; type: string; config: { [key: string]: unknown } }[];
  wires: { from: string; to: string }[];
  settings?: { [key: string]: number };
}

/** A flow document exactly as shipped in `flows/<name>.json`. */
export function shippedFlow(name: string): ShippedFlow {
  return JSON.parse(readFileSync(join(packageRoot(), 'flows', `${name}.json`), 'utf8')) as ShippedFlow;
}

/** Sets environment variables for the rest of the test (the flows' `${env:NAME}` references); restores them after. */
export function setEnv(t: { after(fn: () => void): void }, vars: { [name: string]: string }): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

/** `sluice validate flows/<name>.json`, in process: its exit code and the references it says it assumed set. */
export async function validateOffline(name: string): Promise<{ code: number; lines: string[]; references: string[] }> {
  const lines: string[] = [];
  const code = await validateCommand([join(packageRoot(), 'flows', `${name}.json`)], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  const assumed = lines.find((l) => l.startsWith('note: not checked offline, assumed set on the server: '));
  return { code, lines, references: assumed ? assumed.slice(assumed.indexOf(': ', 30) + 2).split(', ') : [] };
}
