import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';
import { useFieldText } from './useFieldText';

/** Shows the value, or the default while none is set; emptied, the field is removed from the config (default applies). */
export function NumberField(props: FieldProps) {
  const { schema, path, value, onChange } = props;
  const [text, setText] = useFieldText(value === undefined ? undefined : String(value), schema.default === undefined ? '' : String(schema.default));
  return (
    <FieldShell {...props} unit>
      <input
        id={fieldId(path)}
        type="number"
        inputMode="decimal"
        step={schema.type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={text}
        onChange={(e) => {
          const next = e.target.value === '' ? undefined : Number.isFinite(e.target.valueAsNumber) ? e.target.valueAsNumber : null;
          setText(e.target.value, next === undefined || next === null ? undefined : String(next));
          if (next !== null) onChange(next);
        }}
      />
    </FieldShell>
  );
}
