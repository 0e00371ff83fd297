import type { CompiledNode } from '../core/compile-flow.js';
import type { NodeInstance, NodeStatus } from '../core/types.js';
import type { NodeCounters } from './api.js';

/** A running node with its counters: what the executor and the status API share. */
export class NodeCell {
  readonly counters: NodeCounters;

  constructor(
    readonly compiled: CompiledNode,
    readonly instance: NodeInstance,
    private readonly onStatus: (nodeId: string, status: NodeStatus & { at: number }) => void,
    /** Status and error texts often quote what a node was given (a URL, a login): no secret value may pass. */
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    this.counters = {
      type: compiled.type, in: 0, out: {}, errors: 0, retries: 0, lastError: null, lagMs: 0,
      status: { state: 'idle', at: Date.now() },
    };
  }

  get id(): string {
    return this.compiled.id;
  }

  setStatus(given: NodeStatus): void {
    const status = given.text === undefined ? given : { ...given, text: this.redact(given.text) };
    const prev = this.counters.status;
    if (prev.state === status.state && prev.text === status.text) return;
    this.counters.status = { ...status, at: Date.now() };
    this.onStatus(this.id, this.counters.status);
  }

  countOut(port: string, n: number): void {
    this.counters.out[port] = (this.counters.out[port] ?? 0) + n;
  }

  recordError(err: unknown): string {
    const message = this.redact(err instanceof Error ? err.message : String(err));
    this.counters.errors++;
    this.counters.lastError = { message, at: Date.now() };
    return message;
  }

  snapshotCounters(): NodeCounters {
    return { ...this.counters, out: { ...this.counters.out }, status: { ...this.counters.status } };
  }
}
