import { Worker } from 'node:worker_threads';

export type CheckpointRequest =
  | { type: 'checkpoint'; seq: number; path: string; mode: 'PASSIVE' | 'RESTART' }
  | { type: 'forget'; seq: number; path: string }
  | { type: 'forget-all'; seq: number };

export type CheckpointReply =
  | { seq: number; ok: true; busy: boolean; walPages: number }
  | { seq: number; ok: false; message: string };

/** busy: a RESTART could not wait out a reader or writer (the log did not start over); walPages: pages in the log. */
export interface CheckpointResult { busy: boolean; walPages: number }

/** A request before the checkpointer numbers it. */
type Request = CheckpointRequest extends infer R ? (R extends CheckpointRequest ? Omit<R, 'seq'> : never) : never;

/** A thread with nothing to do for this long ends; the next checkpoint starts another (in about 30 ms). */
const IDLE_MS = 60_000;

/**
 * The process's checkpoint thread, shared by every journal, started by the first checkpoint asked for and ended
 * after a minute without one: a runtime that writes little pays for its V8 isolate (about 12 MB) only while it
 * is busy. It holds the process open only while a request waits.
 */
export class Checkpointer {
  private static shared: Checkpointer | undefined;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (err: Error) => void }>();
  private seq = 0;
  private stopped: Error | undefined;
  private idle: NodeJS.Timeout | undefined;

  private constructor() {
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (reply: CheckpointReply) => this.settle(reply));
    this.worker.on('error', (err) => this.stop(err));
    this.worker.on('exit', (code) => this.stop(new Error(`the checkpoint thread exited with code ${code}`)));
  }

  /** PASSIVE copies what it can without blocking the writer; RESTART waits for the writer, so the log starts over. */
  static checkpoint(path: string, mode: 'PASSIVE' | 'RESTART'): Promise<CheckpointResult> {
    if (!Checkpointer.shared || Checkpointer.shared.stopped) Checkpointer.shared = new Checkpointer();
    return Checkpointer.shared.request({ type: 'checkpoint', path, mode });
  }

  /** Closes the thread's connection to a journal that is closing (no-op when the thread never started). */
  static async forget(path: string): Promise<void> {
    if (Checkpointer.shared && !Checkpointer.shared.stopped) await Checkpointer.shared.request({ type: 'forget', path });
  }

  private request(r: Request): Promise<CheckpointResult> {
    if (this.stopped) return Promise.reject(this.stopped);
    clearTimeout(this.idle);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...r, seq } satisfies CheckpointRequest);
    });
  }

  private settle(reply: CheckpointReply): void {
    const w = this.waiting.get(reply.seq);
    if (!w) return;
    this.waiting.delete(reply.seq);
    if (this.waiting.size === 0) {
      this.worker.unref();
      this.idle = setTimeout(() => this.retire(), IDLE_MS).unref();
    }
    if (reply.ok) w.resolve({ busy: reply.busy, walPages: reply.walPages });
    else w.reject(new Error(reply.message));
  }

  /** Closes the thread's connections, then the thread; a checkpoint asked for meanwhile starts a new one. */
  private retire(): void {
    if (Checkpointer.shared === this) Checkpointer.shared = undefined;
    this.request({ type: 'forget-all' })
      .then(() => {
        clearTimeout(this.idle);
        return this.worker.terminate();
      })
      .then(undefined, (err: Error) => this.stop(err));
  }

  private stop(err: Error): void {
    this.stopped ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
