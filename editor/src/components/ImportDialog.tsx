import { useState, type DragEvent } from 'react';
import { api } from '../api';
import { replaceFlow } from '../collab/edits';
import { flowHref } from '../hooks/useFlowSelection';
import { editableSession, useEditorStore } from '../store';
import type { FlowDocument, NodeRedImportReport } from '../types';
import { ImportReport } from './ImportReport';
import { Modal } from './Modal';

/**
 * Paste or drop a flow file. A Sluice flow with the open flow's id replaces its draft (one undoable step,
 * seen by everyone editing it); any other document goes to the server's import, whose answer is shown
 * (a new draft, or why not). A Node-RED export is first translated without saving, and its report (what
 * becomes of every node) is shown; applying it makes one draft per tab.
 */
export function ImportDialog() {
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<{ ok: boolean; text: string } | null>(null);
  const [preview, setPreview] = useState<{ doc: unknown; report: NodeRedImportReport } | null>(null);
  /** Several tabs: all of them (one flow each), or the one chosen. */
  const [tab, setTab] = useState('');

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) void file.text().then(setText);
  };

  const run = async () => {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      setAnswer({ ok: false, text: `Not JSON: ${(err as Error).message}` });
      return;
    }
    const store = useEditorStore.getState();
    const session = editableSession();
    if (isSluiceFlow(doc) && session && doc.id === store.selectedFlowId) {
      replaceFlow(session, doc, doc.id);
      store.setDialog(null);
      store.setNotice(`Imported into ${doc.id} (Ctrl+Z undoes it)`);
      return;
    }
    if (isNodeRedExport(doc)) {
      try {
        const translated = await api.previewNodeRed(doc);
        setPreview({ doc, report: translated.report });
        setAnswer(null);
      } catch (err) {
        setAnswer({ ok: false, text: (err as Error).message });
      }
      return;
    }
    await save(doc);
  };

  const save = async (doc: unknown, onlyTab?: string) => {
    const store = useEditorStore.getState();
    try {
      const saved = await api.importFlow(doc, onlyTab);
      // The new flow must be in the list before the hash names it, or the selection falls back to the first tab.
      store.setFlows(await api.flows());
      const more = (saved.flows?.length ?? 1) > 1 ? ` and ${saved.flows!.length - 1} more` : '';
      store.setNotice(`Imported as flow ${saved.flowId}${more} (draft revision ${saved.revision})`);
      window.location.hash = flowHref(saved.flowId);
      store.setDialog(null);
    } catch (err) {
      setAnswer({ ok: false, text: (err as Error).message });
    }
  };

  if (preview) {
    const tabs = preview.report.flows;
    const n = tab ? 1 : tabs.length;
    return (
      <Modal title="Import a Node-RED export" testId="import-dialog">
        <ImportReport report={preview.report} />
        {tabs.length > 1 ? (
          <label className="sl-import-tab">Import{' '}
            <select aria-label="Tabs to import" value={tab} onChange={(e) => setTab(e.target.value)}>
              <option value="">every tab, one flow each</option>
              {tabs.map((t) => <option key={t.tab} value={t.tab}>only “{t.label || t.tab}”</option>)}
            </select>
          </label>
        ) : null}
        {answer ? <p className="sl-field-error" role="alert" data-testid="import-answer">{answer.text}</p> : null}
        <footer className="sl-modal-foot">
          <button type="button" onClick={() => setPreview(null)}>Back</button>
          <button type="button" className="sl-primary" onClick={() => void save(preview.doc, tab || undefined)}>{n === 1 ? 'Import as a draft' : `Import ${n} drafts`}</button>
        </footer>
      </Modal>
    );
  }

  return (
    <Modal title="Import a flow" testId="import-dialog">
      <p className="sl-muted">Paste a Sluice flow (JSON) or drop its file here. A Node-RED export is translated node for node: you see what becomes of each node before anything is saved.</p>
      <textarea
        className="sl-json sl-import-text" aria-label="Flow JSON" value={text} rows={14} spellCheck={false}
        onChange={(e) => setText(e.target.value)} onDrop={onDrop} onDragOver={(e) => e.preventDefault()}
      />
      <input type="file" accept="application/json,.json" aria-label="Flow file" onChange={(e) => void e.target.files?.[0]?.text().then(setText)} />
      {answer ? <p className={answer.ok ? 'sl-ok' : 'sl-field-error'} role="alert" data-testid="import-answer">{answer.text}</p> : null}
      <footer className="sl-modal-foot">
        <button type="button" className="sl-primary" onClick={() => void run()} disabled={text.trim() === ''}>Import</button>
      </footer>
    </Modal>
  );
}

function isNodeRedExport(doc: unknown): boolean {
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { flows?: unknown }).flows) ? (doc as { flows: unknown[] }).flows : undefined;
  return !!list && list.length > 0 && list.every((n) => !!n && typeof n === 'object' && typeof (n as { type?: unknown }).type === 'string');
}

function isSluiceFlow(doc: unknown): doc is FlowDocument {
  const d = doc as Partial<FlowDocument> | null;
  return !!d && typeof d === 'object' && d.sluice === 1 && typeof d.id === 'string' && Array.isArray(d.nodes) && Array.isArray(d.wires);
}
