import { useEffect, useState } from 'react';
import { safeJson } from '../format';
import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';

/** Values the schema leaves open (a JSON Schema, a union of shapes) are edited as JSON, checked on every change. */
export function JsonField(props: FieldProps) {
  const { path, value, onChange } = props;
  const current = value === undefined ? props.schema.default : value;
  const shown = current === undefined ? '' : safeJson(current, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(shown);
    setError(null);
  }, [shown]);
  return (
    <FieldShell {...props}>
      <textarea
        id={fieldId(path)} className="sl-json" value={text} spellCheck={false} rows={Math.min(12, text.split('\n').length + 1)}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setError(null);
          } catch (err) {
            setError(`not valid JSON: ${(err as Error).message}`);
          }
        }}
      />
      {error ? <span className="sl-field-error" role="alert">{error}</span> : null}
    </FieldShell>
  );
}
