import type { FieldProps } from './field-props';
import { initialValue, labelOf, problemsOf } from './schema';
import { SchemaField } from './SchemaField';

/** A list: one editor per item (from the item schema), with remove and add. */
export function ArrayField(props: FieldProps) {
  const { schema, name, path, value, required, onChange, serverProblems } = props;
  const label = schema.title ?? labelOf(name);
  const items = Array.isArray(value) ? value : Array.isArray(schema.default) ? (schema.default as unknown[]) : [];
  const itemSchema = schema.items ?? {};
  const messages = [...problemsOf(schema, value, required), ...(serverProblems.get(path) ?? [])];
  const replace = (i: number, v: unknown) => onChange(items.map((x, j) => (j === i ? v : x)));
  return (
    <fieldset className="sl-fieldset sl-array" data-path={path}>
      <legend>{label}{value === undefined && schema.default !== undefined ? <span className="sl-muted"> (default)</span> : null}</legend>
      {schema.description ? <p className="sl-field-help">{schema.description}</p> : null}
      <ol className="sl-array-items">
        {items.map((item, i) => (
          <li key={i} className="sl-array-item">
            <SchemaField schema={itemSchema} name={`${i + 1}`} path={`${path}/${i}`} value={item} required onChange={(v) => replace(i, v)} serverProblems={serverProblems} />
            <button type="button" className="sl-small" aria-label={`Remove item ${i + 1} of ${label}`} onClick={() => onChange(items.filter((_, j) => j !== i))}>×</button>
          </li>
        ))}
      </ol>
      <button type="button" className="sl-small" onClick={() => onChange([...items, initialValue(itemSchema)])}>Add to {label.toLowerCase()}</button>
      {messages.map((m, i) => <p key={i} className="sl-field-error" role="alert" data-testid="field-error">{m}</p>)}
    </fieldset>
  );
}
