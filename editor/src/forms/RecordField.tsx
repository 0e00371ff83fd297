import { useState } from 'react';
import type { FieldProps } from './field-props';
import { initialValue, labelOf, problemsOf } from './schema';
import { SchemaField } from './SchemaField';

type Obj = { [key: string]: unknown };

/** A map of named entries (e.g. ranges per field): a key and the value's own editor per entry. */
export function RecordField(props: FieldProps) {
  const { schema, name, path, value, required, onChange, serverProblems } = props;
  const label = schema.title ?? labelOf(name);
  const [newKey, setNewKey] = useState('');
  const entries = (value ?? schema.default ?? {}) as Obj;
  const valueSchema = Object.values(schema.patternProperties ?? {})[0] ?? {};
  const messages = [...problemsOf(schema, value, required), ...(serverProblems.get(path) ?? [])];
  const without = (key: string) => Object.fromEntries(Object.entries(entries).filter(([k]) => k !== key));
  const add = () => {
    if (newKey === '' || newKey in entries) return;
    onChange({ ...entries, [newKey]: initialValue(valueSchema) });
    setNewKey('');
  };
  return (
    <fieldset className="sl-fieldset sl-record" data-path={path}>
      <legend>{label}</legend>
      {schema.description ? <p className="sl-field-help">{schema.description}</p> : null}
      {Object.entries(entries).map(([key, v]) => (
        <div key={key} className="sl-record-entry">
          <SchemaField schema={valueSchema} name={key} path={`${path}/${key}`} value={v} required onChange={(nv) => onChange({ ...entries, [key]: nv })} serverProblems={serverProblems} />
          <button type="button" className="sl-small" aria-label={`Remove ${key} from ${label}`} onClick={() => onChange(without(key))}>×</button>
        </div>
      ))}
      <div className="sl-record-add">
        <input
          type="text" value={newKey} placeholder="name" aria-label={`New entry of ${label}`}
          onChange={(e) => setNewKey(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') add(); }}
        />
        <button type="button" className="sl-small" onClick={add} disabled={newKey === ''}>Add</button>
      </div>
      {messages.map((m, i) => <p key={i} className="sl-field-error" role="alert" data-testid="field-error">{m}</p>)}
    </fieldset>
  );
}
