import { ArrayField } from './ArrayField';
import { CodeField } from './CodeField';
import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';
import { JsonField } from './JsonField';
import { NumberField } from './NumberField';
import { ObjectField } from './ObjectField';
import { RecordField } from './RecordField';
import { enumValues, fieldKind } from './schema';
import { StringField } from './StringField';

/** One config field, its editor chosen from its JSON Schema: no form is written per node type. */
export function SchemaField(props: FieldProps) {
  const { schema, name, path, value, onChange } = props;
  switch (fieldKind(schema, name)) {
    case 'object': return <ObjectField {...props} />;
    case 'array': return <ArrayField {...props} />;
    case 'record': return <RecordField {...props} />;
    case 'number': return <NumberField {...props} />;
    case 'string': return <StringField {...props} />;
    case 'code': return <CodeField {...props} />;
    case 'json': return <JsonField {...props} />;
    case 'boolean':
      return (
        <FieldShell {...props}>
          <input
            id={fieldId(path)} type="checkbox" checked={value === undefined ? schema.default === true : value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
        </FieldShell>
      );
    case 'enum': {
      const options = enumValues(schema)!;
      const current = value === undefined ? schema.default : value;
      return (
        <FieldShell {...props}>
          <select id={fieldId(path)} value={String(options.indexOf(current))} onChange={(e) => onChange(options[Number(e.target.value)])}>
            {current === undefined ? <option value="-1">—</option> : null}
            {options.map((o, i) => <option key={i} value={String(i)}>{String(o)}</option>)}
          </select>
        </FieldShell>
      );
    }
  }
}
