import { useCanEdit } from '../auth/session';
import { useEditorStore } from '../store';
import { Presence } from './Presence';

/** Flow actions: new, import, export, undo/redo (this tab's own edits only), deploy. */
export function Toolbar() {
  const session = useEditorStore((s) => s.session);
  const ready = useEditorStore((s) => s.draft !== null);
  const notice = useEditorStore((s) => s.notice);
  const setDialog = useEditorStore((s) => s.setDialog);
  const edit = useCanEdit();
  return (
    <div className="sl-toolbar" role="toolbar" aria-label="Flow actions">
      {edit ? <button type="button" onClick={() => setDialog('new-flow')}>New flow</button> : null}
      {edit ? <button type="button" onClick={() => setDialog('import')}>Import</button> : null}
      <button type="button" onClick={() => setDialog('export')} disabled={!ready}>Export</button>
      {edit ? <button type="button" onClick={() => session?.undo.undo()} disabled={!ready} title="Ctrl+Z">Undo</button> : null}
      {edit ? <button type="button" onClick={() => session?.undo.redo()} disabled={!ready} title="Ctrl+Shift+Z">Redo</button> : null}
      <Presence />
      {notice ? <span className="sl-toolbar-notice" role="status" data-testid="notice">{notice}</span> : null}
      {edit ? <button type="button" className="sl-primary sl-deploy" onClick={() => setDialog('deploy')} disabled={!ready} title="Ctrl+Enter">Deploy…</button>
        : <span className="sl-muted" data-testid="read-only">read-only</span>}
    </div>
  );
}
