import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { PathEscapeError, resolveUnder } from '../server/core/data-paths.js';
import { isSafeName, nameProblem, NAME_PATTERN, SafeName } from '../server/core/names.js';
import { uniform } from '../nodes/lib/prng.js';
import { GOOD_NAMES, HOSTILE_NAMES } from './helpers/hostile-names.js';
import { tempDir } from './helpers/temp-dir.js';

test('the names rule refuses every spelling of a path, and says why in words', () => {
  for (const [name, why] of HOSTILE_NAMES) {
    assert.equal(isSafeName(name), false, JSON.stringify(name));
    const problem = nameProblem(name);
    assert.ok(problem !== undefined && why.test(problem), `${JSON.stringify(name)}: ${problem} does not match ${why}`);
  }
  for (const name of GOOD_NAMES) assert.equal(nameProblem(name), undefined, name);
  assert.match(nameProblem(42)!, /must be a string, got number/);
});

test('the published pattern, the TypeBox schema and nameProblem agree on every name, random ones included', (t) => {
  const check = TypeCompiler.Compile(SafeName());
  // JSON Schema validators (Ajv) compile patterns with the u flag: the pattern must mean the same there.
  const unicode = new RegExp(NAME_PATTERN, 'u');
  const seed = Number(process.env.SLUICE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (SLUICE_SEED=${seed} reproduces this run)`);
  const alphabet = ['a', 'Z', '0', '_', '-', '.', '.', '/', '\\', '%', '2', 'E', 'e', ' ', '\0', '\uff0e', '\u2024', 'C', 'O', 'N', 'n', 'u', 'l', ':', '\u00e9'];
  const names = [...HOSTILE_NAMES.map(([n]) => n), ...GOOD_NAMES];
  for (let i = 0; i < 20_000; i++) {
    const length = Math.floor(uniform(seed, i, 1) * 8);
    names.push(Array.from({ length }, (_, k) => alphabet[Math.floor(uniform(seed, i, 100 + k) * alphabet.length)]).join(''));
  }
  for (const name of names) {
    const safe = nameProblem(name) === undefined;
    assert.equal(isSafeName(name), safe, JSON.stringify(name));
    assert.equal(check.Check(name), safe, `schema: ${JSON.stringify(name)}`);
    assert.equal(unicode.test(name) && name.length <= 128, safe, `u flag: ${JSON.stringify(name)}`);
    if (safe) assert.equal(dirname(resolveUnder('/data/flows', name)), '/data/flows', `${name} is one directory below the root`);
  }
});

test('resolveUnder stays strictly below its root: no separator, no dot segment, no symlink out', (t) => {
  const root = join(tempDir(t), 'flows');
  const outside = join(dirname(root), 'outside');
  mkdirSync(join(root, 'a', 'nodes'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'x');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(root, 'a'), join(root, 'alias'));
  symlinkSync(join(dirname(root), 'nowhere'), join(root, 'dangling'));

  assert.equal(resolveUnder(root, 'a'), join(root, 'a'));
  assert.equal(resolveUnder(root, 'a', 'nodes', 'n1'), join(root, 'a', 'nodes', 'n1'));
  assert.equal(resolveUnder(root, 'alias', 'nodes'), join(root, 'alias', 'nodes'), 'a link that stays inside is followed');
  assert.equal(resolveUnder(root, 'not-yet'), join(root, 'not-yet'), 'paths that do not exist yet resolve');
  const refused: [string[], RegExp][] = [
    [[], /the root itself/],
    [['.'], /segment "\." is not a name/],
    [['..'], /segment "\.\." is not a name/],
    [['a', '..'], /segment "\.\."/],
    [['a/../..'], /separator/],
    [['..\\x'], /separator/],
    [[''], /empty segment/],
    [['a\0'], /NUL/],
    [['escape'], /symbolic link leads out of the root/],
    [['escape', 'secret'], /symbolic link leads out of the root/],
    [['escape', 'new', 'deeper'], /symbolic link leads out of the root/],
    [['dangling'], /symbolic link leads nowhere/],
  ];
  for (const [segments, why] of refused) {
    assert.throws(() => resolveUnder(root, ...segments), (err: unknown) => err instanceof PathEscapeError && why.test(err.message) && !err.message.includes(root), JSON.stringify(segments));
  }
});
