import type { DataRecord, NodeInstance, NodeStatus, Outputs } from '../../server/core/types.js';
import { createNode, nodeContext } from './node-context.js';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

/** A rollup node driven directly, gathering what leaves each port. */
export class Rollup {
  readonly ports: { [port: string]: DataRecord[] } = { out: [], late: [], invalid: [], overflow: [] };
  readonly statuses: NodeStatus[] = [];
  private offset = 0;

  private constructor(public node: NodeInstance) {}

  static async create(config: object): Promise<Rollup> {
    const r = new Rollup(undefined as unknown as NodeInstance);
    r.node = await createNode('rollup', config, nodeContext({ nodeId: 'roll', status: (s) => r.statuses.push(s) }));
    return r;
  }

  /** Processes one batch (journal time `arrival`); returns what this batch emitted. */
  send(records: object[], arrival = 0): Outputs {
    const out = this.node.process!(records as DataRecord[], { offset: ++this.offset, ts: arrival }) as Outputs;
    this.gather(out);
    return out;
  }

  tick(now: number): Outputs {
    const out = this.node.tick!(now) as Outputs;
    this.gather(out);
    return out;
  }

  private gather(out: Outputs): void {
    for (const [port, records] of Object.entries(out)) (this.ports[port] ??= []).push(...(records ?? []));
  }
}
