import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { FlowStatus } from '../runtime/api.js';

type FlowLabel = 'flow';
type NodeLabel = 'flow' | 'node' | 'type';

/**
 * The figures of every flow and node, set from their statuses at each scrape. The runtime keeps its own
 * totals (they survive in the journal's checkpoints), so counters are reset and set to those totals
 * rather than incremented as records pass.
 */
export class FlowMetrics {
  private readonly up: Gauge<FlowLabel>;
  private readonly deadLetters: Gauge<FlowLabel>;
  private readonly journal: { [K in 'head' | 'checkpoint' | 'bytes' | 'backlogBytes' | 'quotaBytes']: Gauge<FlowLabel> };
  private readonly recordsIn: Counter<NodeLabel>;
  private readonly recordsOut: Counter<NodeLabel | 'port'>;
  private readonly errors: Counter<NodeLabel>;
  private readonly retries: Counter<NodeLabel>;
  private readonly lag: Gauge<NodeLabel>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers });
    const flow: FlowLabel[] = ['flow'];
    const node: NodeLabel[] = ['flow', 'node', 'type'];
    this.up = gauge('sluice_flow_up', 'Whether the flow is running (1) or not (0).', flow);
    this.deadLetters = gauge('sluice_dead_letters', 'Dead letters of the flow.', flow);
    this.journal = {
      head: gauge('sluice_journal_head_offset', 'Offset of the last journal entry.', flow),
      checkpoint: gauge('sluice_journal_checkpoint_offset', 'Journal offset covered by the last committed checkpoint.', flow),
      bytes: gauge('sluice_journal_bytes', 'Bytes held by the journal, audit window included.', flow),
      backlogBytes: gauge('sluice_journal_backlog_bytes', 'Journal bytes not yet covered by a checkpoint.', flow),
      quotaBytes: gauge('sluice_journal_quota_bytes', 'Backlog bytes past which sources are refused.', flow),
    };
    this.recordsIn = counter('sluice_node_records_in_total', 'Records received by the node.', node);
    this.recordsOut = counter('sluice_node_records_out_total', 'Records emitted by the node, per output port.', [...node, 'port']);
    this.errors = counter('sluice_node_errors_total', 'Failed attempts of the node to process a batch.', node);
    this.retries = counter('sluice_node_retries_total', 'Retries of the node.', node);
    this.lag = gauge('sluice_node_lag_seconds', 'Time between the journal entry and its processing by the node, last batch.', node);
  }

  /** Replaces every figure with the statuses' (a flow deleted since the last scrape disappears). */
  update(statuses: FlowStatus[]): void {
    for (const metric of [this.up, this.deadLetters, ...Object.values(this.journal), this.recordsIn, this.recordsOut, this.errors, this.retries, this.lag]) metric.reset();
    for (const s of statuses) {
      const flow = { flow: s.id };
      this.up.set(flow, s.state === 'running' ? 1 : 0);
      this.deadLetters.set(flow, s.deadLetters);
      if (s.journal) for (const [key, gauge] of Object.entries(this.journal)) gauge.set(flow, s.journal[key as keyof typeof this.journal]);
      for (const [node, c] of Object.entries(s.nodes)) {
        const labels = { flow: s.id, node, type: c.type };
        this.recordsIn.inc(labels, c.in);
        for (const [port, count] of Object.entries(c.out)) this.recordsOut.inc({ ...labels, port }, count);
        this.errors.inc(labels, c.errors);
        this.retries.inc(labels, c.retries);
        this.lag.set(labels, c.lagMs / 1000);
      }
    }
  }
}

/**
 * A registry of the server's own (never prom-client's global one, so several servers share a process in
 * tests): Node.js and process figures from prom-client's default collectors, the build, and the flows.
 */
export function serverMetrics(version: string): { registry: Registry; flows: FlowMetrics } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'sluice_build_info', help: 'The running Sluice version and Node.js version (always 1).',
    labelNames: ['version', 'node'], registers: [registry],
  }).set({ version, node: process.version }, 1);
  return { registry, flows: new FlowMetrics(registry) };
}
