import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildArgs } from './child-link.js';
import type { LatencyStats, TallyReport } from './tally.js';

export type System = 'sluice' | 'nodered' | 'limit';

const SCRIPTS: Record<System, string> = {
  sluice: fileURLToPath(new URL('./sluice-child.js', import.meta.url)),
  nodered: fileURLToPath(new URL('./nodered-child.js', import.meta.url)),
  limit: fileURLToPath(new URL('./limit-child.js', import.meta.url)),
};

/** kB figure of one line of /proc/<pid>/status (VmHWM: peak resident set; VmRSS: current), in MB. */
export function procMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(m[1]) / 1024;
}

/** One system under test in its own process: its latest tally, and its resident memory sampled as it runs. */
export class SystemChild {
  latest: TallyReport = { received: 0, distinct: 0, windows: 0, lastAt: 0, firstAt: 0 };
  /** [readings seen, RSS MB] every 250 ms. */
  readonly rss: [number, number][] = [];
  /** Largest V8 heap in use and largest external + ArrayBuffer memory the child reported, MB: where its RSS went. */
  peakHeapMb = 0;
  peakExternalMb = 0;
  private readonly exited: Promise<void>;
  private readonly sampler: NodeJS.Timeout;
  private pendingStats?: (s: TallyReport & { latency: LatencyStats }) => void;

  private constructor(readonly system: System, private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (m: { type: string; heapMb: number; externalMb: number } & TallyReport & { latency: LatencyStats }) => {
      if (m.type === 'tally') {
        this.latest = m;
        this.peakHeapMb = Math.max(this.peakHeapMb, m.heapMb);
        this.peakExternalMb = Math.max(this.peakExternalMb, m.externalMb);
      }
      else if (m.type === 'stats') this.pendingStats?.(m);
    });
    this.sampler = setInterval(() => {
      if (child.exitCode === null && child.signalCode === null) this.rss.push([this.latest.received, procMb(child.pid!, 'VmRSS')]);
    }, 250);
  }

  static async start(system: System, args: ChildArgs): Promise<SystemChild> {
    // SLUICE_H2H_NODE_FLAGS (e.g. `--trace-gc`) goes to every system's Node.js, for looking into a run.
    const execArgv = process.env.SLUICE_H2H_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    const child = fork(SCRIPTS[system], [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    const sc = new SystemChild(system, child);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${system} exited with ${code} before it was ready`));
      child.once('exit', onExit);
      child.on('message', (m: { type: string }) => {
        if (m.type === 'ready') { child.off('exit', onExit); resolve(); }
      });
    });
    return sc;
  }

  get pid(): number { return this.child.pid!; }

  /** Peak resident set of the process so far (VmHWM), MB. */
  peakMb(): number { return procMb(this.pid, 'VmHWM'); }

  stats(): Promise<TallyReport & { latency: LatencyStats }> {
    return new Promise((resolve) => { this.pendingStats = resolve; this.child.send({ type: 'stats' }); });
  }

  async kill(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
