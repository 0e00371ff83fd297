import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';
import { property, propertyProblems, type Msg } from './message/property.js';

const config = Type.Object({
  property: Type.String({ title: 'Property', default: 'payload', minLength: 1, maxLength: 1000, description: 'The field split: a text, an array or an object.' }),
  separator: Type.String({ title: 'Text separator', default: '\n', maxLength: 100, description: 'Text is split at each occurrence (default a new line); ignored when `chunkLength` is set.' }),
  chunkLength: Type.Integer({ title: 'Text chunk length', default: 0, minimum: 0, maximum: 1_000_000_000, description: 'When > 0, text is cut into pieces of this many characters instead.' }),
  arrayChunk: Type.Integer({ title: 'Array chunk size', default: 1, minimum: 1, maximum: 1_000_000, description: 'An array becomes one record per element (1) or per chunk of this many elements.' }),
  keyField: Type.String({ title: 'Copy key to', default: '', maxLength: 1000, description: 'Objects: also put each key into this field (e.g. `topic`); empty: only in `parts.key`.' }),
}, { additionalProperties: false });

export default defineNode({
  type: 'split',
  category: 'process',
  label: 'split',
  inputs: { in: 'records' },
  outputs: { out: 'one record per piece, with parts { id, index, count, type, … }' },
  config,
  check: (cfg) => [...propertyProblems(cfg.property, '/property'), ...(cfg.keyField ? propertyProblems(cfg.keyField, '/keyField') : [])],
  docs: `Splits one field into several records (Node-RED's split node): a text at \`separator\` (or into pieces of
\`chunkLength\`), an array into its elements (or chunks of \`arrayChunk\`), an object into one record per key.

Each record is a copy of the original with the piece in \`property\` and \`parts\` saying where it came from:
\`{ id, index, count, type: "string" | "array" | "object", ch, key, len }\` (a \`parts\` already there is kept
as \`parts.parts\`). A \`join\` in automatic mode puts the pieces back together. The \`id\` is made from the
journal offset, so a replay gives the same ids. Records without the field, or with a number or boolean in
it, pass unchanged.

Example: an API response \`{ "payload": [{ "t": 1 }, { "t": 2 }] }\` becomes two records \`{ "payload": { "t": 1 }, "parts": … }\`.`,

  create(cfg) {
    const prop = property(cfg.property);
    const key = cfg.keyField ? property(cfg.keyField) : undefined;
    return {
      process(batch, meta) {
        const out: DataRecord[] = [];
        batch.forEach((record, n) => {
          const value = prop.get(record);
          if (value === undefined || value === null || typeof value !== 'object' && typeof value !== 'string') { out.push(record); return; }
          const base: Msg = { ...record };
          const parts: Msg = { ...(record.parts !== undefined ? { parts: record.parts } : {}), id: `${meta.offset}.${n}` };
          if (cfg.property !== 'payload') parts.property = cfg.property;
          const emit = (piece: unknown, extra: Msg, msg: Msg = base) => out.push(prop.with({ ...msg, parts: { ...parts, ...extra } }, piece));
          if (typeof value === 'string') {
            const pieces = cfg.chunkLength > 0 ? chunks(value, cfg.chunkLength) : value.split(cfg.separator);
            const shape = cfg.chunkLength > 0 ? { type: 'string', ch: '', len: cfg.chunkLength } : { type: 'string', ch: cfg.separator };
            pieces.forEach((p, index) => emit(p, { ...shape, index, count: pieces.length }));
          } else if (Array.isArray(value)) {
            const count = Math.ceil(value.length / cfg.arrayChunk);
            for (let index = 0; index < count; index++) {
              const slice = value.slice(index * cfg.arrayChunk, (index + 1) * cfg.arrayChunk);
              emit(cfg.arrayChunk === 1 ? slice[0] : slice, { type: 'array', count, len: cfg.arrayChunk, index });
            }
          } else {
            const keys = Object.keys(value);
            keys.forEach((k, index) => {
              const msg = key ? key.with(base, k) : base;
              emit((value as Msg)[k], { type: 'object', key: k, index, count: keys.length }, msg);
            });
          }
        });
        return { out };
      },
    };
  },
});

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}
