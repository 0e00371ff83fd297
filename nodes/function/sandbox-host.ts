import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, HostMessage, RunReply, RunRequest, SandboxOptions } from './protocol.js';

const ENTRY = fileURLToPath(new URL('./sandbox-process.js', import.meta.url));
/** How long a process may take to start and load the code, on top of the code's own time limit. */
const START_GRACE_MS = 20_000;
/** The isolate enforces the time limit itself; this is for a process that stopped answering at all. */
const RUN_GRACE_MS = 2_000;
const STDERR_TAIL = 2_000;

interface Pending {
  resolve(message: ChildMessage): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The server's side of one sandbox process: starts it on demand, sends one request at a time and
 * restarts it on the next request after it died (catastrophic isolate error, kill, watchdog).
 */
export class SandboxHost {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private stderr = '';

  constructor(private readonly options: SandboxOptions) {}

  /** Starts the process and loads the code; rejects with the user's error when the code cannot load. */
  async start(): Promise<void> {
    // An empty environment: the server's holds secrets (SLUICE_SECRET_*) that sandboxed code has no business near.
    const child = fork(ENTRY, [], {
      execArgv: ['--no-node-snapshot'], env: {}, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-STDERR_TAIL); });
    child.on('message', (m: ChildMessage) => this.settle(child, m));
    child.on('exit', (code, signal) => this.exited(child, signal ?? `exit code ${code}`));
    child.on('error', (err) => this.fail(child, new Error(`the sandbox process failed: ${err.message}`)));
    const answer = await this.request({ kind: 'init', options: this.options }, START_GRACE_MS + this.options.timeoutMs);
    if (answer.kind === 'init-failed') {
      this.stop();
      throw new Error(answer.error);
    }
  }

  async run(request: Omit<RunRequest, 'id'>): Promise<RunReply> {
    if (!this.child) await this.start();
    const id = this.nextId++;
    const answer = await this.request({ kind: 'run', id, ...request }, RUN_GRACE_MS + this.options.timeoutMs);
    if (answer.kind !== 'ran' || answer.id !== id) throw new Error(`the sandbox process answered out of turn (${answer.kind})`);
    return answer;
  }

  stop(): void {
    const child = this.child;
    if (child) this.fail(child, new Error('the function node stopped'));
  }

  private request(message: HostMessage, waitMs: number): Promise<ChildMessage> {
    const child = this.child!;
    if (this.pending) return Promise.reject(new Error('the sandbox takes one request at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(child, new Error(`the sandbox process did not answer within ${waitMs} ms and was killed; the next batch starts a new one`));
      }, waitMs);
      this.pending = { resolve, reject, timer };
      child.send(message, (err) => { if (err) this.fail(child, new Error(`could not reach the sandbox process: ${err.message}`)); });
    });
  }

  private settle(child: ChildProcess, message: ChildMessage): void {
    const pending = this.pending;
    if (child !== this.child || !pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    pending.resolve(message);
  }

  private exited(child: ChildProcess, how: string): void {
    const tail = this.stderr.trim();
    this.fail(child, new Error(`the sandbox process stopped (${how})${tail ? `: ${tail}` : ''}; it is restarted for the next batch`));
  }

  /** Ends and forgets a process: the pending request fails and the next one starts a new process. */
  private fail(child: ChildProcess, err: Error): void {
    if (child !== this.child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }
}
