import type { ReactNode } from 'react';
import { fieldId, type FieldProps } from './field-props';
import { labelOf, problemsOf, unitOf } from './schema';
import { safeJson } from '../format';

/** Label, unit, description and the messages (the form's own checks and the server's) around one input. */
export function FieldShell({ schema, name, path, value, required, serverProblems, children, unit }: FieldProps & { children: ReactNode; unit?: boolean }) {
  const messages = [...problemsOf(schema, value, required), ...(serverProblems.get(path) ?? [])];
  // A title such as "Batch (ms)" names its unit already.
  const shownUnit = unit && !schema.title ? unitOf(name) : null;
  const usesDefault = value === undefined && schema.default !== undefined;
  return (
    <div className={`sl-field${messages.length ? ' sl-field-invalid' : ''}`} data-path={path}>
      <label htmlFor={fieldId(path)} className="sl-field-label">
        {schema.title ?? labelOf(name)}
        {/* A field with a default is never empty: only those without one must be filled in. */}
        {required && schema.default === undefined ? <span className="sl-required" aria-hidden="true">*</span> : null}
        {usesDefault ? <span className="sl-default" data-testid="field-default" title={`not set: the node uses its default, ${defaultText(schema.default)}`}>default</span> : null}
      </label>
      <div className="sl-field-input">
        {children}
        {shownUnit ? <span className="sl-unit">{shownUnit}</span> : null}
      </div>
      {schema.description ? <p className="sl-field-help">{schema.description}</p> : null}
      {messages.map((m, i) => <p key={i} className="sl-field-error" role="alert" data-testid="field-error">{m}</p>)}
    </div>
  );
}

function defaultText(value: unknown): string {
  return typeof value === 'string' ? (value === '' ? 'empty' : value) : safeJson(value, 0);
}
