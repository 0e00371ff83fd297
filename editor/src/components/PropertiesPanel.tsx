import { useCanEdit } from '../auth/session';
import { setConfigField, setNodeName } from '../collab/edits';
import type { JsonSchema } from '../forms/schema';
import { SchemaField } from '../forms/SchemaField';
import { editableSession, useEditorStore } from '../store';
import type { FlowNodeDoc, Problem } from '../types';
import { NodeDocs } from '../nodes/NodeDocs';
import { ConnectMenu } from './ConnectMenu';
import { RetryEditor } from './RetryEditor';
import { usePanelWidth } from './usePanelWidth';

const CONFIG_PATH = /^\/nodes\/\d+\/config(\/.*)?$/;

/** The selected node's name, config (a form generated from its type's schema), retry policy and wiring menu. */
export function PropertiesPanel() {
  const selectedId = useEditorStore((s) => {
    const selected = s.nodes.filter((n) => n.selected);
    return selected.length === 1 ? selected[0]!.id : null;
  });
  const node = useEditorStore((s) => s.draft?.nodes.find((n) => n.id === selectedId));
  const entry = useEditorStore((s) => (node ? s.catalog?.get(node.type) : undefined));
  const problems = useEditorStore((s) => s.problems);
  const edit = useCanEdit();
  const { width, resizer } = usePanelWidth();
  if (!node) return null;
  const mine = problems.filter((p) => p.nodeId === node.id);
  const byPath = configProblems(mine);
  const general = mine.filter((p) => !CONFIG_PATH.test(p.path));
  const schema = (entry?.configSchema ?? { type: 'object', properties: {} }) as JsonSchema;
  const config = node.config ?? {};

  return (
    <aside className="sl-props" aria-label="Node properties" data-testid="properties" style={{ width }}>
      <div {...resizer} />
      {/* One scroll position per node: the next node's form starts at its top. */}
      <div className="sl-props-body" key={node.id} data-testid="properties-body">
      <header className="sl-props-head">
        <h2>{node.name || node.id}</h2>
        <span className="sl-muted">{node.type} · <code>{node.id}</code></span>
        <button type="button" className="sl-small" aria-label="Close properties" onClick={() => useEditorStore.getState().selectOnly([])}>×</button>
      </header>
      {general.map((p, i) => <p key={i} className="sl-field-error" role="alert" data-testid="node-problem">{p.path}: {p.message}</p>)}
      {byPath.get('')?.map((m, i) => <p key={`c${i}`} className="sl-field-error" role="alert">{m}</p>)}
      {/* A viewer reads the configuration; the disabled fieldset turns every field of it read-only. */}
      <fieldset className="sl-props-fields" disabled={!edit}>
      <div className="sl-field">
        <label htmlFor="node-name" className="sl-field-label">Name</label>
        <input id="node-name" type="text" value={node.name ?? ''} placeholder={node.id} onChange={(e) => withSession((s) => setNodeName(s, node.id, e.target.value))} />
      </div>
      <h3 className="sl-props-section">Configuration</h3>
      {entry ? (
        Object.entries(schema.properties ?? {}).map(([key, s]) => (
          <SchemaField
            key={`${node.id}/${key}`} schema={s} name={key} path={`/${key}`} value={config[key]}
            required={schema.required?.includes(key) ?? false} serverProblems={byPath}
            onChange={(v) => withSession((session) => setConfigField(session, node.id, key, v))}
          />
        ))
      ) : <p className="sl-field-error">The node type "{node.type}" is not in the server's catalog.</p>}
      {entry && entry.inputs.length > 0 ? <RetryEditor node={node} defaults={entry.retry} problems={mine} /> : null}
      <ConnectMenu node={node} />
      </fieldset>
      {entry ? (
        <details className="sl-props-docs" data-testid="properties-docs">
          <summary className="sl-props-section">About {entry.label}</summary>
          <NodeDocs data={entry} />
        </details>
      ) : null}
      </div>
    </aside>
  );
}

function withSession(edit: (session: NonNullable<ReturnType<typeof editableSession>>) => void): void {
  const session = editableSession();
  if (session) edit(session);
}

/** The server's messages keyed by the config path they concern (`/value/base`). */
function configProblems(problems: Problem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) {
    const match = CONFIG_PATH.exec(p.path);
    if (!match) continue;
    const path = match[1] ?? '';
    out.set(path, [...(out.get(path) ?? []), p.message]);
  }
  return out;
}

export type { FlowNodeDoc };
