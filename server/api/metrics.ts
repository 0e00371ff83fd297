import type { FlowStatus } from '../runtime/api.js';

type Labels = { [name: string]: string };
interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: { labels: Labels; value: number }[];
}

/** Prometheus text exposition format 0.0.4, one family per metric, built from flow statuses. */
export function renderMetrics(statuses: FlowStatus[]): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Labels, value: number) => {
    let family = families.get(name);
    if (!family) {
      family = { name, type, help, samples: [] };
      families.set(name, family);
    }
    family.samples.push({ labels, value });
  };
  for (const s of statuses) {
    const flow = s.id;
    add('sluice_flow_up', 'gauge', 'Whether the flow is running (1) or not (0).', { flow }, s.state === 'running' ? 1 : 0);
    add('sluice_dead_letters', 'gauge', 'Dead letters of the flow.', { flow }, s.deadLetters);
    if (s.journal) {
      const j = s.journal;
      add('sluice_journal_head_offset', 'gauge', 'Offset of the last journal entry.', { flow }, j.head);
      add('sluice_journal_checkpoint_offset', 'gauge', 'Journal offset covered by the last committed checkpoint.', { flow }, j.checkpoint);
      add('sluice_journal_bytes', 'gauge', 'Bytes held by the journal, audit window included.', { flow }, j.bytes);
      add('sluice_journal_backlog_bytes', 'gauge', 'Journal bytes not yet covered by a checkpoint.', { flow }, j.backlogBytes);
      add('sluice_journal_quota_bytes', 'gauge', 'Backlog bytes past which sources are refused.', { flow }, j.quotaBytes);
    }
    for (const [node, c] of Object.entries(s.nodes)) {
      const labels = { flow, node, type: c.type };
      add('sluice_node_records_in_total', 'counter', 'Records received by the node.', labels, c.in);
      for (const [port, count] of Object.entries(c.out)) {
        add('sluice_node_records_out_total', 'counter', 'Records emitted by the node, per output port.', { ...labels, port }, count);
      }
      add('sluice_node_errors_total', 'counter', 'Failed attempts of the node to process a batch.', labels, c.errors);
      add('sluice_node_retries_total', 'counter', 'Retries of the node.', labels, c.retries);
      add('sluice_node_lag_seconds', 'gauge', 'Time between the journal entry and its processing by the node, last batch.', labels, c.lagMs / 1000);
    }
  }
  const lines: string[] = [];
  for (const f of families.values()) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const sample of f.samples) lines.push(`${f.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
