import type { DebugMessage } from './api.js';

const PER_NODE_PER_SECOND = 50;

/**
 * The last debug messages of a flow, with a per-node rate limit so a fast flow cannot flood the
 * browser or the event bus. Debug output is a view, not a data path: the records stay in the journal.
 */
export class DebugRing {
  private readonly messages: DebugMessage[] = [];
  private readonly budget = new Map<string, { second: number; used: number }>();
  dropped = 0;

  constructor(private readonly size: number, private readonly publish: (m: DebugMessage) => void) {}

  push(message: DebugMessage): void {
    const second = Math.floor(message.at / 1000);
    const b = this.budget.get(message.nodeId);
    if (!b || b.second !== second) this.budget.set(message.nodeId, { second, used: 1 });
    else if (++b.used > PER_NODE_PER_SECOND) {
      this.dropped++;
      return;
    }
    this.messages.push(message);
    if (this.messages.length > this.size) this.messages.splice(0, this.messages.length - this.size);
    this.publish(message);
  }

  list(): DebugMessage[] {
    return [...this.messages];
  }
}
