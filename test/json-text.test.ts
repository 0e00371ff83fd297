import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkJsonValue, MAX_JSON_DEPTH, numberText, parseJsonText, PROTOTYPE_KEYS } from '../server/core/json-text.js';

test('a number beyond a double is kept as its text in a marker, whatever its spelling; everything else is JSON.parse', () => {
  const text = '{"a":[1e400,"1e400",-1E+309,1e-400,1.5,12345678901234567890],"s":"x \\" 1e400","b":{"c":1' + '0'.repeat(400) + '}}';
  const parsed = parseJsonText(text);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, {
    a: [{ $number: '1e400' }, '1e400', { $number: '-1E+309' }, 0, 1.5, 12345678901234567890],
    s: 'x " 1e400',
    b: { c: { $number: `1${'0'.repeat(400)}` } },
  });
  assert.equal(numberText((parsed.value as { a: unknown[] }).a[0]), '1e400');
  assert.equal(numberText('1e400'), undefined, 'a string sent as a string stays a string');
  assert.equal(numberText({ $number: '1', other: 2 }), undefined);
  assert.equal(JSON.stringify(parsed.value).includes('null'), false, 'nothing became null');
});

test('nesting past the limit is refused with where, how deep and the limit; at the limit it is accepted', () => {
  const nest = (n: number) => `${'{"k":['.repeat(n / 2)}1${']}'.repeat(n / 2)}`;
  assert.equal(parseJsonText(nest(MAX_JSON_DEPTH)).ok, true);
  const refused = parseJsonText(nest(MAX_JSON_DEPTH + 2));
  // The path is cut to 80 characters in the message, whole in `path`.
  assert.deepEqual(refused.ok ? undefined : refused.fault.message, `nested 66 levels deep at ${'/k/0'.repeat(40).slice(0, 77)}…; the limit is 64`);
  assert.equal(refused.ok ? undefined : refused.fault.path, '/k/0'.repeat(32), 'the 65th container, 64 keys down');
  const huge = parseJsonText(`[${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}]`);
  assert.match(huge.ok ? '' : huge.fault.message, /^nested 1000001 levels deep at \/0\/0\/0.*; the limit is 64$/, 'a megabyte of brackets is measured, not recursed into');
  assert.match(checkJsonValue(JSON.parse(nest(100))).fault!.message, /^nested more than 64 levels deep at \/k\/0/);
});

test('__proto__ keys are refused where asked, at their path; a syntax error keeps its offset', () => {
  const parsed = parseJsonText('{"a":{"b":[{"__proto__":{"admin":true}}]}}', { forbiddenKeys: PROTOTYPE_KEYS });
  assert.deepEqual(parsed, { ok: false, fault: { message: 'the key "__proto__" at /a/b/0/__proto__ is not allowed (it would reach the object prototype)', path: '/a/b/0/__proto__' } });
  assert.equal(parseJsonText('{"__proto__":1}').ok, true, 'only where the caller forbids it');
  const broken = parseJsonText('{"a":\n  nope}');
  assert.equal(broken.ok ? -1 : broken.fault.offset, 9, 'the "o" of "nope": "n" could still have begun "null"');
  assert.match(broken.ok ? '' : broken.fault.message, /^not valid JSON: /);
});
