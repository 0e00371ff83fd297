import { useMemo, useState } from 'react';
import { exportFlow } from '../export-flow';
import { useEditorStore } from '../store';
import { Modal } from './Modal';

/** The draft as a file to download or copy; secret fields are references only. */
export function ExportDialog() {
  const draft = useEditorStore((s) => s.draft);
  const catalog = useEditorStore((s) => s.catalog);
  const [copied, setCopied] = useState<string | null>(null);
  const exported = useMemo(() => (draft ? exportFlow(draft, catalog ?? new Map()) : null), [draft, catalog]);
  if (!draft || !exported) return null;
  const href = `data:application/json;charset=utf-8,${encodeURIComponent(exported.text)}`;
  const copy = () => navigator.clipboard.writeText(exported.text).then(
    () => setCopied('Copied to the clipboard.'),
    (err: unknown) => setCopied(`The browser refused the clipboard (${(err as Error).message}); select the text and copy it.`),
  );
  return (
    <Modal title="Export the flow" testId="export-dialog">
      {exported.redacted.length ? (
        <p className="sl-notice sl-warn">Values typed into secret fields were replaced by references: {exported.redacted.join(', ')}.</p>
      ) : null}
      <textarea className="sl-json" aria-label="Exported flow JSON" data-testid="export-json" readOnly value={exported.text} rows={16} />
      {copied ? <p className="sl-muted" role="status">{copied}</p> : null}
      <footer className="sl-modal-foot">
        <a className="sl-button sl-primary" href={href} download={`${draft.id}.json`}>Download {draft.id}.json</a>
        <button type="button" onClick={() => void copy()}>Copy</button>
      </footer>
    </Modal>
  );
}
