import { useEffect, useState } from 'react';
import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';

/** Empty means "use the default": the field is removed from the config and the placeholder shows the default. */
export function NumberField(props: FieldProps) {
  const { schema, path, value, onChange } = props;
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  return (
    <FieldShell {...props} unit>
      <input
        id={fieldId(path)}
        type="number"
        inputMode="decimal"
        step={schema.type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        placeholder={schema.default === undefined ? '' : String(schema.default)}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value === '') onChange(undefined);
          else if (Number.isFinite(e.target.valueAsNumber)) onChange(e.target.valueAsNumber);
        }}
      />
    </FieldShell>
  );
}
