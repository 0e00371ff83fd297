import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const NODERED_DIR = join(ROOT, 'bench/nodered');
export const NODERED_EXAMPLES = join(NODERED_DIR, 'node_modules/@node-red/nodes/examples');

/**
 * Node-RED lives in bench/nodered with its own package.json and lock file; it is installed there on first
 * use (`npm ci --prefix bench/nodered`), never as a dependency of Sluice. A fresh clone pays for it once.
 */
export function installNodeRed(say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (existsSync(join(NODERED_DIR, 'node_modules/node-red/package.json'))) return;
  say('installing Node-RED into bench/nodered (first use)');
  const r = spawnSync('npm', ['ci', '--prefix', NODERED_DIR, '--no-audit', '--no-fund'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm ci --prefix bench/nodered failed with ${r.status ?? r.signal}`);
}

export interface Captured {
  node: string;
  at: number;
  value: unknown;
}

/** Node-RED 4.1 running a flows file in a child process, its debug nodes replaced by capturing ones. */
export class NodeRedProcess {
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly httpUrl: string, readonly captured: Captured[]) {}

  static async start(flows: object[], options: { waitForBrokers?: boolean } = {}): Promise<NodeRedProcess> {
    installNodeRed();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-nodered-'));
    const captured = flows.map((n) => ((n as { type?: string }).type === 'debug' ? { ...n, type: 'sluice-capture' } : n));
    writeFileSync(join(dir, 'flows.json'), JSON.stringify(captured));
    const child = fork(fileURLToPath(new URL('./node-red-child.js', import.meta.url)), [dir, options.waitForBrokers === false ? 'no-wait' : 'wait'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    // Injects that fire at start send before `ready`: collect from the first message on.
    const captures: Captured[] = [];
    child.on('message', (m: { kind?: string } & Captured) => { if (m.kind === 'capture') captures.push({ node: m.node, at: m.at, value: m.value }); });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Node-RED did not start within 60 s: ${stderr}`)), 60_000);
      child.on('message', (m: { kind?: string; url?: string; error?: string }) => {
        if (m.kind === 'ready') { clearTimeout(timer); resolve(m.url!); }
        if (m.kind === 'failed') { clearTimeout(timer); reject(new Error(`Node-RED failed to start: ${m.error}\n${stderr}`)); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Node-RED exited with ${code}: ${stderr}`)); });
    });
    return new NodeRedProcess(child, dir, url, captures);
  }

  /** What the debug node `id` showed, in order. */
  shown(id: string): unknown[] {
    return this.captured.filter((c) => c.node === id).map((c) => c.value);
  }

  /** Fires an inject node, as its button in Node-RED's editor does. */
  inject(id: string): void {
    this.child.send({ kind: 'inject', id });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
