/** Messages between a function node (host) and its sandbox process, over IPC with `advanced` serialization. */

export interface SandboxOptions {
  /** The user's code, already turned into a classic script by `toScript`. */
  script: string;
  memoryMb: number;
  timeoutMs: number;
}

/**
 * One batch. Records, meta (`{ nodeId, flowId, offset, ts }`, merged into the user's `ctx`) and state
 * are JSON strings: crossing the process and the isolate boundaries then costs a copy of one string
 * each, not a structured copy of every record.
 */
export interface RunRequest {
  id: number;
  records: string;
  meta: string;
  state: string;
}

/**
 * `envelope` is the JSON text the sandbox built (see `sandbox.ts`); `failure` is why the isolate
 * could not answer (time or memory limit), after which the sandbox rebuilt it.
 */
export type RunReply = { id: number; envelope: string } | { id: number; failure: string };

export type HostMessage = { kind: 'init'; options: SandboxOptions } | ({ kind: 'run' } & RunRequest);
export type ChildMessage = { kind: 'ready' } | { kind: 'init-failed'; error: string } | ({ kind: 'ran' } & RunReply);
