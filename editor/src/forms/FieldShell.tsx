import type { ReactNode } from 'react';
import { fieldId, type FieldProps } from './field-props';
import { labelOf, problemsOf, unitOf } from './schema';

/** Label, unit, description and the messages (the form's own checks and the server's) around one input. */
export function FieldShell({ schema, name, path, value, required, serverProblems, children, unit }: FieldProps & { children: ReactNode; unit?: boolean }) {
  const messages = [...problemsOf(schema, value, required), ...(serverProblems.get(path) ?? [])];
  const shownUnit = unit ? unitOf(name) : null;
  return (
    <div className={`sl-field${messages.length ? ' sl-field-invalid' : ''}`} data-path={path}>
      <label htmlFor={fieldId(path)} className="sl-field-label">
        {labelOf(name)}
        {required ? <span className="sl-required" aria-hidden="true">*</span> : null}
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
