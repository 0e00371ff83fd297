import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { flowHref } from '../hooks/useFlowSelection';
import { useEditorStore } from '../store';
import { Modal } from './Modal';

/** `Boiler room 2` → `boiler-room-2`: a flow id in the characters the server accepts. */
export function idFromName(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'flow';
}

/** Names a new, empty flow and opens it. The id follows the name until edited; taken ids are refused here. */
export function NewFlowDialog() {
  const flows = useEditorStore((s) => s.flows);
  const [name, setName] = useState('');
  const [id, setId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const flowId = id ?? idFromName(name);
  const taken = flows.some((f) => f.id === flowId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (taken || name.trim() === '') return;
    setBusy(true);
    try {
      await api.createFlow({ sluice: 1, id: flowId, name: name.trim(), nodes: [], wires: [] });
      // The tabs learn of the flow before the address names it: otherwise the editor, not finding it in the
      // list it has, falls back to the first flow.
      useEditorStore.getState().setFlows(await api.flows());
      useEditorStore.getState().setDialog(null);
      window.location.hash = flowHref(flowId);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <Modal title="New flow" testId="new-flow-dialog">
      <form className="sl-new-flow" aria-label="New flow" onSubmit={(e) => void submit(e)}>
        <label className="sl-field">
          <span className="sl-field-label">Name</span>
          <input type="text" autoFocus required value={name} placeholder="e.g. Boiler room" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="sl-field">
          <span className="sl-field-label">ID</span>
          <input type="text" required pattern="[A-Za-z0-9_.\-]+" value={flowId} spellCheck={false} onChange={(e) => setId(e.target.value)} />
          <span className="sl-field-help">In the address, the API and exported files; it cannot change later.</span>
        </label>
        {taken ? <p className="sl-field-error" role="alert">A flow with the ID “{flowId}” exists already.</p> : null}
        {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
        <footer className="sl-modal-foot">
          <button type="button" onClick={() => useEditorStore.getState().setDialog(null)}>Cancel</button>
          <button type="submit" className="sl-primary" disabled={busy || taken || name.trim() === ''}>Create and open</button>
        </footer>
      </form>
    </Modal>
  );
}
