import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTableTemplate, identifierProblem, mapColumns, TemplateError } from '../nodes/lib/table-template.js';
import { configOf } from './helpers/node-context.js';
import questdb from '../nodes/questdb.js';

test('a table template names the table from record fields, dotted paths included', () => {
  const tpl = compileTableTemplate('readings_{region}_{site.id}');
  assert.deepEqual(tpl.fields, ['region', 'site.id']);
  assert.equal(tpl.fixed, undefined);
  assert.equal(tpl.nameFor({ region: 'north', site: { id: 12 } }), 'readings_north_12');
  assert.equal(compileTableTemplate('readings').fixed, 'readings');
});

test('a record whose field cannot be part of a name gets a TemplateError naming the field', () => {
  const tpl = compileTableTemplate('r_{region}');
  for (const region of ['a b', 'Île', '', undefined, null, 1.5, 'x;drop table y']) {
    assert.throws(() => tpl.nameFor({ region }), (err: Error) => err instanceof TemplateError && /field region is/.test(err.message), String(region));
  }
  assert.throws(() => compileTableTemplate('r_{a}').nameFor({ a: 'x'.repeat(70) }), /is longer than 63 characters/);
});

test('templates that can never give a valid name are refused when compiled', () => {
  assert.throws(() => compileTableTemplate('readings-{x}'), /cannot give a valid name/);
  assert.throws(() => compileTableTemplate('r_{}'), /empty placeholder/);
  assert.throws(() => compileTableTemplate('r_{a'), /unbalanced/);
  assert.throws(() => compileTableTemplate('1readings'), /must be a letter or _/);
  assert.equal(identifierProblem('ok_name_1'), undefined);
});

test('columns read the field of their own name unless mapped; bad names and stray mappings are all reported', () => {
  const cols = mapColumns({ temp: 'double', sensor: 'symbol' }, { temp: 'payload.t' });
  assert.deepEqual(cols.map((c) => [c.column, c.field, c.type, c.get({ payload: { t: 3 }, sensor: 'a', temp: 9 })]), [
    ['temp', 'payload.t', 'double', 3], ['sensor', 'sensor', 'symbol', 'a'],
  ]);
  assert.throws(() => mapColumns({ 'bad-name': 'double', ok: 'long' }, { missing: 'x' }), /field mapping for "missing", which is not a column; column "bad-name" must be/);
});

test('the questdb node refuses at deploy a config whose names, keys and credentials do not fit together', () => {
  const problems = questdb.check!(configOf('questdb', {
    table: 'r-{x}', columns: { value: 'double', ts: 'double' }, dedupKeys: ['sensor'], token: 't', username: 'u',
  }) as never);
  assert.deepEqual(problems.map((p) => p.path), ['/table', '/columns', '/dedupKeys/0', '/token', '/password']);
});
