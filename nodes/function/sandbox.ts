import ivm from 'isolated-vm';
import { GLUE } from './glue.js';
import type { RunReply, RunRequest, SandboxOptions } from './protocol.js';
import { CODE_FILENAME, codePosition } from './user-code.js';

type RunFunction = (records: string, meta: string, state: string) => string;

/** A user error while loading the code (its top level threw, or `process` is missing). */
export class LoadError extends Error {}

/**
 * The user's code in one isolate, with a memory limit and a wall-time limit per call. The isolate
 * is rebuilt after it hit a limit: the memory limit disposes it, and code cut off by the time limit
 * may have left its globals half-changed. Runs in the sandbox process, never in the server.
 */
export class Sandbox {
  private isolate: ivm.Isolate | undefined;
  private run: ivm.Reference<RunFunction> | undefined;

  constructor(private readonly options: SandboxOptions) {}

  /** Compiles and runs the code's top level; throws `LoadError` for problems of the user's code. */
  load(): void {
    this.dispose();
    const { memoryMb, timeoutMs, script } = this.options;
    const isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: abort });
    this.isolate = isolate;
    const context = isolate.createContextSync();
    const bind = isolate.compileScriptSync(GLUE, { filename: 'sluice-glue' }).runSync(context, { reference: true }) as ivm.Reference<() => RunFunction>;
    try {
      isolate.compileScriptSync(script, { filename: CODE_FILENAME }).runSync(context, { timeout: timeoutMs });
      this.run = bind.applySync(undefined, [], { timeout: timeoutMs, result: { reference: true } }) as unknown as ivm.Reference<RunFunction>;
    } catch (err) {
      throw new LoadError(this.limitMessage(err) ?? `loading the code failed: ${loadErrorText(err)}`);
    } finally {
      bind.release();
    }
  }

  call(request: RunRequest): RunReply {
    if (!this.run || this.isolate?.isDisposed) this.load();
    try {
      const envelope = this.run!.applySync(undefined, [request.records, request.meta, request.state], { timeout: this.options.timeoutMs });
      if (typeof envelope !== 'string') return { id: request.id, failure: 'the sandbox answered something other than text' };
      return { id: request.id, envelope };
    } catch (err) {
      const limit = this.limitMessage(err);
      if (limit === undefined) throw err;
      this.dispose();
      return { id: request.id, failure: `${limit}; the sandbox was restarted` };
    }
  }

  dispose(): void {
    this.run = undefined;
    if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = undefined;
  }

  /** The reason when `err` means a limit was hit, undefined for any other error. */
  private limitMessage(err: unknown): string | undefined {
    const { memoryMb, timeoutMs } = this.options;
    if (this.isolate?.isDisposed) return `the code exceeded the memory limit of ${memoryMb} MB (memoryMb)`;
    if (err instanceof Error && /timed out/i.test(err.message)) return `the code ran longer than ${timeoutMs} ms (timeoutMs)`;
    return undefined;
  }
}

/** isolated-vm appends `[file:line:column]` to some messages; say it the way every other error does. */
function loadErrorText(err: unknown): string {
  const text = errorText(err).replace(/ \[[^\]]*:\d+:\d+\]$/, '');
  return `${text}${err instanceof Error ? codePosition(err.stack ?? '') : ''}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** isolated-vm's rule: after a catastrophic error the process must not go on. The host sees the exit. */
function abort(message: string): void {
  process.stderr.write(`isolated-vm catastrophic error: ${message}\n`);
  process.abort();
}
