import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { DataRecord } from '../server/core/types.js';
import { property, propertyProblems, type Msg } from './message/property.js';

const config = Type.Object({
  mode: Type.Union([Type.Literal('auto'), Type.Literal('manual')], {
    title: 'Mode', default: 'auto', description: '`auto`: put back what a split (or a CSV node) took apart, from `parts`; `manual`: build groups by count, a `complete` field or time.',
  }),
  build: Type.Union([Type.Literal('array'), Type.Literal('string'), Type.Literal('object'), Type.Literal('merged')], {
    title: 'Build', default: 'array', description: 'manual: an array of the values, a text joined by `joiner`, an object keyed by `key`, or the values (objects) merged into one.',
  }),
  property: Type.String({ title: 'Property', default: 'payload', maxLength: 1000, description: 'manual: the field collected; empty: the whole records.' }),
  key: Type.String({ title: 'Key field', default: 'topic', minLength: 1, maxLength: 1000, description: 'manual, object: the field whose value is the key.' }),
  joiner: Type.String({ title: 'Joiner', default: '\n', maxLength: 100, description: 'manual, string: put between the values.' }),
  count: Type.Integer({ title: 'Count', default: 0, minimum: 0, maximum: 1_000_000, description: 'manual: send a group after this many records (0: only on `complete` or the timeout; or `parts.count` when the records carry it).' }),
  timeoutMs: Type.Integer({ title: 'Timeout (ms)', default: 0, minimum: 0, maximum: 86_400_000, description: 'manual: send a group this long after its first record even if incomplete (0: never). Driven by the journaled ticks.' }),
}, { additionalProperties: false });

type Config = Static<typeof config>;

interface Group {
  msg: Msg;
  type: string;
  values: unknown[] | Msg;
  /** How many slots are filled; a value at an index already filled does not count twice. */
  filled: number;
  target: number;
  joinChar?: string;
  arrayLen?: number;
  prop: string;
  startedAt: number;
}

export default defineNode({
  type: 'join',
  category: 'process',
  label: 'join',
  inputs: { in: 'records, or pieces with parts' },
  outputs: { out: 'one record per completed group' },
  config,
  check: (cfg) => [...(cfg.property ? propertyProblems(cfg.property, '/property') : []), ...propertyProblems(cfg.key, '/key')],
  docs: `Joins several records into one (Node-RED's join node, automatic and manual modes).

**auto** reverses a \`split\` (or a CSV node's record per row): records with the same \`parts.id\` are put back
into an array, a text (joined by \`parts.ch\`) or an object (by \`parts.key\`), in \`parts.index\` order, and sent
once \`parts.count\` pieces arrived. Records without \`parts\` are passed over (counted in no output).

**manual** collects \`property\` (or whole records) into an array, a text joined by \`joiner\`, an object keyed
by the \`key\` field's value, or one object merging them; a group is sent after \`count\` records, when a
record with a \`complete\` field arrives, or \`timeoutMs\` after its first record. A record with a \`reset\`
field drops the group being built.

The joined record is the last record of the group (its other fields merged over the first's) with the
result in \`property\`; \`parts\` is removed (or the outer \`parts\` of a nested split restored). Groups being
built are kept with every checkpoint, so a restart resumes them; time-outs are driven by the journaled ticks.

Example: batch readings five at a time: \`{ "mode": "manual", "build": "array", "property": "payload", "count": 5 }\``,

  create(cfg: Config) {
    const keyProp = property(cfg.key);
    let groups = new Map<string, Group>();

    function complete(id: string, group: Group, out: DataRecord[]): void {
      groups.delete(id);
      let result: unknown = group.values;
      if (group.type === 'array' && (group.arrayLen ?? 1) > 1) result = (group.values as unknown[]).flat();
      if (group.type === 'string') result = (group.values as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')).join(group.joinChar ?? '');
      let msg: Msg = group.msg;
      msg = group.prop === '' ? (result as Msg) : property(group.prop).with(msg, result);
      const parts = msg.parts as Msg | undefined;
      const { complete: _c, parts: _p, ...rest } = msg;
      out.push(parts && typeof parts === 'object' && 'parts' in parts ? { ...rest, parts: parts.parts } : rest);
    }

    return {
      process(batch, meta) {
        const out: DataRecord[] = [];
        for (const record of batch) {
          const parts = record.parts as { id?: unknown; type?: string; count?: number; ch?: string; key?: string; len?: number; index?: number; property?: string } | undefined;
          const auto = cfg.mode === 'auto';
          if (auto && (!parts || parts.id === undefined)) {
            if ('reset' in record) groups = new Map();
            continue;
          }
          let id = '_';
          let type: string = cfg.build;
          let target = cfg.count;
          let key: unknown;
          let prop = cfg.property;
          if (auto) {
            id = String(parts!.id);
            type = parts!.type ?? 'array';
            target = parts!.count ?? 0;
            key = parts!.key;
            prop = parts!.property ?? 'payload';
          } else {
            if (cfg.count === 0 && parts?.count !== undefined) {
              target = parts.count;
              if (parts.id !== undefined) id = String(parts.id);
            }
            if (cfg.build === 'object') key = keyProp.get(record);
          }
          if ('reset' in record) { groups.delete(id); continue; }
          const value = prop === '' ? record : property(prop).get(record);
          if (type === 'object' && (key === undefined || key === null || key === '')) {
            const open = groups.get(id);
            if (!auto && 'complete' in record && open) complete(id, open, out);
            continue;
          }
          let group = groups.get(id);
          if (!group) {
            group = {
              msg: structuredClone(record) as Msg, type: type === 'merged' ? 'merged' : type, values: type === 'object' || type === 'merged' ? {} : [],
              filled: 0, target, prop, startedAt: meta.ts,
              ...(type === 'string' ? { joinChar: auto ? parts!.ch ?? '' : cfg.joiner } : {}),
              ...(type === 'array' && auto ? { arrayLen: parts!.len } : {}),
            };
            groups.set(id, group);
          }
          if (type === 'object') {
            (group.values as Msg)[String(key)] = value;
            group.filled = Object.keys(group.values).length;
          } else if (type === 'merged') {
            if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
              Object.assign(group.values as Msg, value);
              group.filled = Object.keys(group.values).length;
            }
          } else {
            const values = group.values as unknown[];
            const index = auto ? parts!.index : undefined;
            if (typeof index === 'number') {
              if (values[index] === undefined) group.filled++;
              values[index] = value;
            } else if (value !== undefined) {
              values.push(value);
              group.filled++;
            }
          }
          Object.assign(group.msg, structuredClone(record));
          if (parts?.count !== undefined) group.target = group.target || parts.count;
          if ((group.target > 0 && group.filled >= group.target) || 'complete' in record) complete(id, group, out);
        }
        return { out };
      },
      tick(now) {
        if (cfg.mode !== 'manual' || cfg.timeoutMs === 0) return undefined;
        const out: DataRecord[] = [];
        for (const [id, group] of [...groups]) if (now - group.startedAt >= cfg.timeoutMs) complete(id, group, out);
        return { out };
      },
      snapshot: () => [...groups],
      restore(state) {
        groups = new Map(Array.isArray(state) ? (state as [string, Group][]) : []);
      },
    };
  },
});
