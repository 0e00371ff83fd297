import { useState } from 'react';
import { addWire } from '../collab/edits';
import { editableSession, useEditorStore } from '../store';
import type { FlowNodeDoc } from '../types';

/** Wiring without a pointer: pick one of this node's outputs and an input of another node. */
export function ConnectMenu({ node }: { node: FlowNodeDoc }) {
  const catalog = useEditorStore((s) => s.catalog);
  const nodes = useEditorStore((s) => s.nodes);
  const outputs = catalog?.get(node.type)?.outputs ?? [];
  const targets = nodes.filter((n) => n.id !== node.id && n.data.inputs.length > 0);
  const [port, setPort] = useState('');
  const [target, setTarget] = useState('');
  if (outputs.length === 0) return null;
  const chosenPort = port || outputs[0]!.name;
  const connect = () => {
    const [toNode, toPort] = target.split('\u0000');
    const session = editableSession();
    if (!session || !toNode || !toPort) return;
    addWire(session, { node: node.id, port: chosenPort }, { node: toNode, port: toPort });
    setTarget('');
  };
  return (
    <fieldset className="sl-fieldset sl-connect" aria-label="Connect">
      <legend>Connect</legend>
      <label className="sl-retry-field">
        <span>Output</span>
        <select aria-label="Output port" value={chosenPort} onChange={(e) => setPort(e.target.value)}>
          {outputs.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
        </select>
      </label>
      <label className="sl-retry-field">
        <span>To</span>
        <select aria-label="Target input" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">choose a node…</option>
          {targets.flatMap((t) => t.data.inputs.map((p) => (
            <option key={`${t.id}:${p.name}`} value={`${t.id}\u0000${p.name}`}>{t.data.label}{t.data.inputs.length > 1 ? ` (${p.name})` : ''}</option>
          )))}
        </select>
      </label>
      <button type="button" onClick={connect} disabled={target === ''}>Connect</button>
    </fieldset>
  );
}
