import { useEffect, useState } from 'react';
import { api, HttpError } from '../api';
import { diffFlows, isEmptyDiff, type FlowDiff } from '../diff';
import { reloadFlows } from '../hooks/useServerData';
import { useEditorStore } from '../store';
import type { FlowDocument } from '../types';
import { Modal } from './Modal';

/** Shows what the deploy changes against the deployed revision, then deploys; refusals go onto the nodes. */
export function DeployDialog() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const draft = useEditorStore((s) => s.draft);
  const deployedRevision = useEditorStore((s) => s.status?.deployedRevision ?? s.flows.find((f) => f.id === s.selectedFlowId)?.deployedRevision ?? null);
  const [deployed, setDeployed] = useState<FlowDocument | null | undefined>(undefined);
  const problems = useEditorStore((s) => s.problems);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    if (flowId === null) return;
    if (deployedRevision === null) {
      setDeployed(null);
      return;
    }
    api.deployedDocument(flowId).then(setDeployed, (err: unknown) => {
      if (err instanceof HttpError && err.status === 404) setDeployed(null);
      else setResult({ ok: false, text: (err as Error).message });
    });
  }, [flowId, deployedRevision]);

  if (!flowId || !draft) return null;
  const diff = deployed === undefined ? null : diffFlows(deployed, draft);

  const deploy = async () => {
    setBusy(true);
    const store = useEditorStore.getState();
    try {
      const r = await api.deploy(flowId, draft);
      store.setProblems([]);
      store.setNotice(`Revision ${r.revision} deployed`);
      store.setDialog(null);
      reloadFlows();
    } catch (err) {
      const problems = err instanceof HttpError ? err.problems : [];
      store.setProblems(problems);
      setResult({ ok: false, text: problems.length ? `The server refused the flow: ${problems.length} problem${problems.length === 1 ? '' : 's'}, shown on the nodes.` : (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Deploy" testId="deploy-dialog">
      <p className="sl-muted">{deployedRevision === null ? 'Nothing is deployed yet: the whole draft will be.' : `Changes since revision ${deployedRevision}, deployed:`}</p>
      {diff ? <DiffList diff={diff} /> : <p className="sl-muted">Comparing with the deployed revision…</p>}
      {result ? <p className={result.ok ? 'sl-ok' : 'sl-field-error'} role="alert" data-testid="deploy-result">{result.text}</p> : null}
      {problems.length > 0 ? (
        <ul className="sl-problem-list" data-testid="deploy-problems">
          {problems.map((p, i) => <li key={i}><code>{p.nodeId ?? 'flow'}</code> {p.path}: {p.message}</li>)}
        </ul>
      ) : null}
      <footer className="sl-modal-foot">
        <button type="button" className="sl-primary" onClick={() => void deploy()} disabled={busy}>{busy ? 'Deploying…' : 'Deploy now'}</button>
      </footer>
    </Modal>
  );
}

function DiffList({ diff }: { diff: FlowDiff }) {
  if (isEmptyDiff(diff)) return <p data-testid="deploy-diff">No changes: deploying restarts the same flow.</p>;
  return (
    <ul className="sl-diff" data-testid="deploy-diff">
      {diff.added.map((id) => <li key={`a${id}`} className="sl-diff-add">+ node <code>{id}</code></li>)}
      {diff.removed.map((id) => <li key={`r${id}`} className="sl-diff-del">− node <code>{id}</code></li>)}
      {diff.changed.map((c) => <li key={`c${c.id}`} className="sl-diff-mod">~ node <code>{c.id}</code>: {c.what.join(', ')}</li>)}
      {diff.wiresAdded.map((w) => <li key={`wa${w}`} className="sl-diff-add">+ wire <code>{w}</code></li>)}
      {diff.wiresRemoved.map((w) => <li key={`wr${w}`} className="sl-diff-del">− wire <code>{w}</code></li>)}
      {diff.flow.map((f) => <li key={`f${f}`} className="sl-diff-mod">~ flow {f}</li>)}
    </ul>
  );
}
