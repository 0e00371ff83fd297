import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor, redactingLogger } from '../server/core/redactor.js';
import { encodedForms } from './helpers/encoded-forms.js';

test('a known value is replaced raw, URL-encoded and JSON-escaped; the longest value wins; short values are left alone', () => {
  const r = new Redactor();
  assert.equal(r.redact('nothing known yet'), 'nothing known yet');
  r.add('p@ss "word"/1');
  r.add('p@ss');
  r.add('abc');
  assert.equal(r.redact('url mqtt://u:p%40ss%20%22word%22%2F1@h and p@ss "word"/1'), 'url mqtt://u:[redacted]@h and [redacted]');
  assert.equal(r.redact(JSON.stringify({ password: 'p@ss "word"/1' })), '{"password":"[redacted]"}');
  assert.equal(r.redact('just p@ss, abc'), 'just [redacted], abc', 'values under 4 characters are not redacted');
  assert.equal(r.redact('a.b*c(p@ss)'), 'a.b*c([redacted])', 'regular-expression characters are taken literally');
});

test('values are redacted deeply, keys included, dates kept as JSON shows them, cycles cut', () => {
  const r = new Redactor();
  r.add('hunter22');
  const cyclic: { [k: string]: unknown } = { note: 'pw hunter22' };
  cyclic.self = cyclic;
  const at = new Date(0);
  assert.deepEqual(r.redactValue({ list: ['hunter22', 7, null, true], hunter22: 1, at, cyclic, err: new Error('bad hunter22') }), {
    list: ['[redacted]', 7, null, true], '[redacted]': 1, at: '1970-01-01T00:00:00.000Z',
    cyclic: { note: 'pw [redacted]', self: '[cycle]' }, err: 'bad [redacted]',
  });
  const shared = { v: 'hunter22' };
  assert.deepEqual(r.redactValue([shared, shared]), [{ v: '[redacted]' }, { v: '[redacted]' }], 'a value seen twice is not a cycle');
});

test('the redacting logger cleans the message and every field before writing', () => {
  const r = new Redactor();
  r.add('s3cret-token');
  const lines: unknown[] = [];
  const log = redactingLogger({ info: (m, f) => lines.push([m, f]), warn: () => undefined, error: () => undefined }, r);
  log.info('calling https://x/?t=s3cret-token', { url: 'https://x/?t=s3cret-token', n: 1 });
  assert.deepEqual(lines, [['calling https://x/?t=[redacted]', { url: 'https://x/?t=[redacted]', n: 1 }]]);
});

test('a secret is redacted in every encoding it leaves by, and nothing of it remains', () => {
  const secrets = ['my p@ssword 2024x', 'm\u00f6tley/cr\u00fce-pass', 'Pr0be"Secret&Value', 'back\\slash\ttab', '\u{1f321}-thermo-key', '!@# $%^&*(', 'ab!cd@ef'];
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  for (const secret of secrets) {
    for (const [encoding, form] of encodedForms(secret)) {
      const out = r.redact(`before ${form} after`);
      assert.match(out, /^before .*\[redacted\].* after$/, `${JSON.stringify(secret)} ${encoding}: ${out}`);
      assert.equal(out.includes(form), false, `${encoding}: the form itself is gone`);
    }
    // Any mix of encoded and plain characters, as a URL parser that re-encodes only part of a text writes it.
    const mixed = [...secret].map((c, i) => (i % 2 ? encodeURIComponent(c) : c)).join('');
    assert.equal(r.redact(mixed), '[redacted]', `${JSON.stringify(secret)} half encoded`);
  }
  assert.equal(r.redact('a base64 text of other things: c29tZXRoaW5nIGVsc2UgZW50aXJlbHk='), 'a base64 text of other things: c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=');
  assert.equal(r.redact('my p@ssword 2024 (not the secret)'), 'my p@ssword 2024 (not the secret)', 'a prefix alone is left');
});
