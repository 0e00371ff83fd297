import type { KeyboardEvent } from 'react';
import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';

/** Source code (the function node's): monospace, line numbers, Tab indents instead of leaving the field. */
export function CodeField(props: FieldProps) {
  const { path, value, onChange, schema } = props;
  const text = typeof value === 'string' ? value : typeof schema.default === 'string' ? schema.default : '';
  const lines = text.split('\n').length;
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Escape then Tab still moves focus on, so keyboard users are never trapped.
    if (e.key !== 'Tab' || e.shiftKey || e.currentTarget.dataset.escaped === 'yes') return;
    e.preventDefault();
    const el = e.currentTarget;
    const { selectionStart: start, selectionEnd: end } = el;
    onChange(`${text.slice(0, start)}  ${text.slice(end)}`);
    requestAnimationFrame(() => el.setSelectionRange(start + 2, start + 2));
  };
  return (
    <FieldShell {...props}>
      <div className="sl-code">
        <pre className="sl-code-lines" aria-hidden="true">{Array.from({ length: lines }, (_, i) => i + 1).join('\n')}</pre>
        <textarea
          id={fieldId(path)} className="sl-code-text" value={text} spellCheck={false} rows={Math.min(20, Math.max(6, lines + 1))}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => { e.currentTarget.dataset.escaped = e.key === 'Escape' ? 'yes' : 'no'; }}
        />
      </div>
    </FieldShell>
  );
}
