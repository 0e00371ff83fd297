import { useEffect, useState } from 'react';
import { canEdit } from '../auth/session';
import { api } from '../api';
import { fieldId, type FieldProps } from './field-props';
import { FieldShell } from './FieldShell';
import { isSecretField, SECRET_REF } from './schema';
import { useFieldText } from './useFieldText';

export function StringField(props: FieldProps) {
  const { schema, name, path, value, onChange } = props;
  const fallback = typeof schema.default === 'string' ? schema.default : '';
  const [text, setText] = useFieldText(typeof value === 'string' ? value : undefined, fallback);
  if (isSecretField(schema, name) || SECRET_REF.test(typeof value === 'string' ? value : '')) return <SecretField {...props} />;
  return (
    <FieldShell {...props}>
      <input
        id={fieldId(path)} type="text" value={text} spellCheck={false}
        onChange={(e) => {
          const next = e.target.value === '' && !props.required ? undefined : e.target.value;
          setText(e.target.value, next);
          onChange(next);
        }}
      />
    </FieldShell>
  );
}

/**
 * A secret is chosen by name among the server's secrets (or an environment variable): the flow holds
 * `${secret:NAME}`, so exporting or sharing it never leaks the value.
 */
function SecretField(props: FieldProps) {
  const { path, value, onChange } = props;
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    // Secret names are for editors (who can set references); a viewer's request would only be refused.
    if (!canEdit()) return;
    api.secretNames().then((r) => setNames(r.names), (err: unknown) => console.warn('secret names unavailable', err));
  }, []);
  const ref = typeof value === 'string' ? SECRET_REF.exec(value) : null;
  const kind = ref?.[1] ?? 'secret';
  const ref_name = ref?.[2] ?? '';
  const set = (k: string, n: string) => onChange(n === '' ? undefined : `\${${k}:${n}}`);
  return (
    <FieldShell {...props}>
      <select aria-label="Reference kind" value={kind} onChange={(e) => set(e.target.value, ref_name)}>
        <option value="secret">secret</option>
        <option value="env">env</option>
      </select>
      <input
        id={fieldId(path)} type="text" list={`${fieldId(path)}-names`} value={ref_name} placeholder="NAME" spellCheck={false}
        onChange={(e) => set(kind, e.target.value.replace(/[^A-Za-z0-9_.-]/g, ''))}
      />
      <datalist id={`${fieldId(path)}-names`}>{names.map((n) => <option key={n} value={n} />)}</datalist>
    </FieldShell>
  );
}
