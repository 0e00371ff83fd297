import type { FieldProps } from './field-props';
import { initialValue, labelOf, problemsOf } from './schema';
import { SchemaField } from './SchemaField';

type Obj = { [key: string]: unknown };

/** Nested properties in a fieldset; an optional object that is absent offers to add it. */
export function ObjectField(props: FieldProps) {
  const { schema, name, path, value, required, onChange, serverProblems } = props;
  const label = schema.title ?? labelOf(name);
  const messages = [...problemsOf(schema, value, required), ...(serverProblems.get(path) ?? [])];
  if (value === undefined && !required) {
    return (
      <div className="sl-field sl-field-optional" data-path={path}>
        <span className="sl-field-label">{label}</span>
        <button type="button" className="sl-small" onClick={() => onChange(initialValue(schema))}>Add {label.toLowerCase()}</button>
        {schema.description ? <p className="sl-field-help">{schema.description}</p> : null}
      </div>
    );
  }
  const current = (value ?? {}) as Obj;
  const set = (key: string, v: unknown) => {
    const next = { ...current };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(next);
  };
  return (
    <fieldset className="sl-fieldset" data-path={path}>
      <legend>
        {label}
        {!required ? <button type="button" className="sl-link" onClick={() => onChange(undefined)} aria-label={`Remove ${label}`}>remove</button> : null}
      </legend>
      {schema.description ? <p className="sl-field-help">{schema.description}</p> : null}
      {Object.entries(schema.properties ?? {}).map(([key, s]) => (
        <SchemaField
          key={key} schema={s} name={key} path={`${path}/${key}`} value={current[key]}
          required={schema.required?.includes(key) ?? false} onChange={(v) => set(key, v)} serverProblems={serverProblems}
        />
      ))}
      {messages.map((m, i) => <p key={i} className="sl-field-error" role="alert" data-testid="field-error">{m}</p>)}
    </fieldset>
  );
}
