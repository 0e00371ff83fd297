import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxCursor } from '../nodes/api-poller/cursor.js';
import { fieldGetter } from '../nodes/lib/field-path.js';
import { redactUrl } from '../nodes/lib/http-fetch.js';
import { parsePointer, resolvePointer } from '../nodes/lib/json-pointer.js';
import { encodeUrlValue, headerValue, parseTemplate } from '../nodes/lib/template.js';

test('templates substitute {{field}} and {field}, URL-encoding each value in URLs', () => {
  const t = parseTemplate('https://api.example/devices/{{device}}/readings?since={cursor}&site={{ site.id }}');
  assert.deepEqual(t.fields, ['device', 'cursor', 'site.id']);
  const record = { device: 'bay 7/a', cursor: '2026-05-01T00:00:00+02:00', site: { id: 12 } };
  const get = fieldGetter;
  assert.equal(t.render((name) => get(name)(record), encodeUrlValue),
    'https://api.example/devices/bay%207%2Fa/readings?since=2026-05-01T00%3A00%3A00%2B02%3A00&site=12');
  assert.throws(() => t.render(() => undefined), /template ".*" needs field "device", which is missing/);
  assert.throws(() => parseTemplate('{{v}}').render(() => 'a\r\nX-Evil: 1', headerValue), /contains a line break/);
  assert.equal(parseTemplate('no placeholders').render(() => undefined), 'no placeholders');
});

test('JSON pointers follow RFC 6901, escapes and array indexes included', () => {
  const doc = { data: { 'a/b': [{ 'm~n': 1 }], items: [10, 20] } };
  assert.equal(resolvePointer(doc, parsePointer('/data/a~1b/0/m~0n')), 1);
  assert.equal(resolvePointer(doc, parsePointer('/data/items/1')), 20);
  assert.equal(resolvePointer(doc, parsePointer('/data/items/01')), undefined, 'no leading zeros');
  assert.equal(resolvePointer(doc, parsePointer('/data/missing/0')), undefined);
  assert.equal(resolvePointer(doc, parsePointer('')), doc);
  assert.throws(() => parsePointer('data'), /must be empty or start with "\/"/);
});

test('the cursor is the highest value seen, compared as numbers or instants, kept in the API\'s format', () => {
  const ts = fieldGetter('timestamp');
  assert.equal(maxCursor(undefined, [{ timestamp: 5 }, { timestamp: 12 }, { timestamp: 7 }], ts), 12);
  // 00:30Z is later than 02:00+02:00 (= 00:00Z) although it sorts first as text.
  assert.equal(maxCursor('2026-05-01T02:00:00+02:00', [{ timestamp: '2026-05-01T00:30:00Z' }], ts), '2026-05-01T00:30:00Z');
  assert.equal(maxCursor('2026-05-01T00:30:00Z', [{ timestamp: '2026-05-01T02:00:00+02:00' }], ts), '2026-05-01T00:30:00Z', 'an earlier instant never moves the cursor back');
  assert.equal(maxCursor('b-7', [{ timestamp: 'b-9' }, { timestamp: 'a-99' }], ts), 'b-9', 'opaque strings compare as text');
  assert.equal(maxCursor('x', [{ other: 1 }, { timestamp: null }], ts), 'x', 'records without the field leave it alone');
});

test('URLs kept in error records have credential-looking query values masked', () => {
  assert.equal(redactUrl('https://u:pw@api.example/r?since=1&api_key=abc&token=t&page=2'),
    'https://u:***@api.example/r?since=1&api_key=***&token=***&page=2');
  assert.equal(redactUrl('not a url'), 'not a url');
});

test('URL masking follows URL syntax: & and ; separate, a value keeps its own &, fragments are masked, nothing else changes', () => {
  const cases: [string, string][] = [
    // The secret "Pr0be"Secret&Value": its tail must not show as a parameter of its own.
    ['http://h/p?key=Pr0be"Secret&Value', 'http://h/p?key=***'],
    ['http://h/p?key=Pr0be%22Secret&Value&page=2', 'http://h/p?key=***&page=2'],
    ['http://h/p?a=1;token=x;y;b=2', 'http://h/p?a=1;token=***;b=2'],
    ['https://h/cb#access_token=zz&state=1', 'https://h/cb#access_token=***&state=1'],
    ['http://h/p?%6Bey=s3cr3t&K%45Y=two', 'http://h/p?%6Bey=***&K%45Y=***'],
    ['http://h/p?client_secret=a+b&x=1', 'http://h/p?client_secret=***&x=1'],
    ['http://h/p?pwd=1&session=2&sig=3&auth=4&credential=5', 'http://h/p?pwd=***&session=***&sig=***&auth=***&credential=***'],
    ['http://u:p@ss@h/x?since=1', 'http://u:***@h/x?since=1'],
    ['http://h/a%20b/C?page=2&', 'http://h/a%20b/C?page=2&'],
    ['HTTP://H:80?token=1', 'HTTP://H:80?token=***'],
  ];
  for (const [url, masked] of cases) assert.equal(redactUrl(url), masked, url);
});
