import type { NodeRedImportReport } from '../types';

const LABEL = { translated: 'translated', approximated: 'approximated', 'needs-hand': 'needs a hand' } as const;

/** What a Node-RED import will make of each node, shown before anything is saved. */
export function ImportReport({ report }: { report: NodeRedImportReport }) {
  const { translated, approximated, needsHand } = report.counts;
  return (
    <div className="sl-import-report" data-testid="import-report">
      <p>
        <strong>{report.flows.length === 1 ? 'One flow' : `${report.flows.length} flows`}</strong> ({report.flows.map((f) => `${f.flowId}: ${f.nodes} nodes`).join(', ')}):{' '}
        <span className="sl-rep-translated">{translated} translated</span>, <span className="sl-rep-approximated">{approximated} approximated</span>,{' '}
        <span className="sl-rep-needs-hand">{needsHand} need a hand</span>
        {needsHand ? ' — their placeholders stay on the canvas and a deploy refuses the flow until they are replaced.' : '.'}
      </p>
      {report.secrets.length ? (
        <p data-testid="import-secrets">Set these secrets before deploying: {report.secrets.map((s) => <code key={s.name} title={s.what}>{s.name}</code>)}</p>
      ) : null}
      {report.problems.length ? <ul className="sl-field-error">{report.problems.map((p, i) => <li key={i}>{p.message}</li>)}</ul> : null}
      <table className="sl-import-table">
        <thead><tr><th>Node-RED node</th><th>becomes</th><th>status</th></tr></thead>
        <tbody>
          {report.nodes.map((n) => (
            <tr key={n.id} data-testid="import-report-row" data-status={n.status}>
              <td><span className="sl-import-type">{n.type}</span> {n.name ?? n.id}</td>
              <td>{n.becomes}{n.notes.length ? <div className="sl-muted">{n.notes.join('; ')}</div> : null}</td>
              <td className={`sl-rep-${n.status}`}>{LABEL[n.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
