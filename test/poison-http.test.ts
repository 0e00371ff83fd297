import type { DataRecord } from '../server/core/types.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';

const TOKEN = 'a-long-enough-test-token-0123456789';
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const ZLIB_WORDS = /incorrect header check|unexpected end of file|incorrect data check|incorrect length check|Z_DATA_ERROR|Z_BUF_ERROR/;

const gzipped = gzipSync(Buffer.from('[{"sensor":"g","value":1}]'));
const CORRUPT_GZIP: [string, Buffer][] = [
  ['not gzip at all', Buffer.from('[{"sensor":"g","value":1}]')],
  ['truncated', gzipped.subarray(0, gzipped.length - 6)],
  ['only the header', gzipped.subarray(0, 10)],
  ['empty', Buffer.alloc(0)],
  ['a damaged checksum', Buffer.concat([gzipped.subarray(0, -8), Buffer.from([1, 2, 3, 4]), gzipped.subarray(-4)])],
  ['a damaged length', Buffer.concat([gzipped.subarray(0, -4), Buffer.from([9, 9, 9, 9])])],
  ['a flipped byte inside', (() => { const b = Buffer.from(gzipped); b[12]! ^= 0xff; return b; })()],
  ['garbage after the end', Buffer.concat([gzipped, Buffer.from('xx')])],
];

test('HTTP in: a body that can never be accepted gets a 4xx naming why, and the next good body is accepted', async (t) => {
  const { app, runtime } = await openApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const flowId = `poison-${randomBytes(3).toString('hex')}`;
  received.delete(`${flowId}-rows`);
  await runtime.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [{ id: 'in', type: 'http-in', config: { path: `${flowId}/in`, token: TOKEN } }, { id: `${flowId}-rows`, type: 'test-sink' }],
    wires: [{ from: 'in', to: `${flowId}-rows` }],
  });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ingest/${flowId}/in`;
  let goods = 0;
  const post = async (body: string | Buffer, type: string, extra: { [h: string]: string } = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type, ...extra }, body });
    return { status: res.status, json: await res.json() as { error?: string; message?: string; problems?: { line: number; reason: string }[]; accepted?: number } };
  };
  const stillAccepting = async (after: string) => {
    const res = await post(JSON.stringify({ sensor: 'ok', value: ++goods }), 'application/json');
    assert.equal(res.status, 202, `a good body after ${after}`);
  };

  const unparseable: [string, string | Buffer, string, number, RegExp][] = [
    ['a JSON object 10,000 levels deep', deep(10_000), 'application/json', 1, /^nested 10000 levels deep at \/a\/a.*; the limit is 64$/],
    ['an array holding one', `[{"sensor":"x","value":1},\n${deep(100)}]`, 'application/json', 2, /^nested 100 levels deep/],
    ['NDJSON with a deep line between good ones', `{"sensor":"x","value":1}\n${deep(5000)}\n{"sensor":"y","value":2}\n`, 'application/x-ndjson', 2, /^nested 5000 levels deep/],
    ['a __proto__ key', '{"sensor":"x","value":1,"__proto__":{"admin":true}}', 'application/json', 1, /^the key "__proto__" at \/__proto__ is not allowed/],
    ['NDJSON with a nested __proto__', '{"sensor":"x","value":1}\n{"m":{"__proto__":1}}\n', 'application/x-ndjson', 2, /"__proto__" at \/m\/__proto__/],
    // Found by the property test: the scanner stood still on a stray `}`, appending issues until memory ran out.
    ['a stray closing brace in an array', '[{"sensor":"x","value":1}, }, {"sensor":"y","value":2}]', 'application/json', 1, /Unexpected token '}'/],
    ['a CSV header that is not UTF-8', Buffer.from('sensor,va\xfflue\nx,1\n', 'latin1'), 'text/csv', 1, /^invalid UTF-8 at byte 10 of the row/],
  ];
  for (const [what, body, type, line, reason] of unparseable) {
    const res = await post(body, type);
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json.error, 'unparseable');
    assert.ok(res.json.problems!.some((p) => p.line === line && reason.test(p.reason)), `${what}: ${JSON.stringify(res.json.problems)}`);
    await stillAccepting(what);
  }
  for (const [what, body] of CORRUPT_GZIP) {
    const res = await post(body, 'application/json', { 'content-encoding': 'gzip' });
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json.error, 'corrupt-gzip');
    assert.match(res.json.message!, /^the gzip body is corrupt: /, what);
    assert.doesNotMatch(res.json.message!, ZLIB_WORDS, `${what}: in our words, not zlib's`);
    await stillAccepting(what);
  }
  const wrongType = await post('{"sensor":"x","value":1}', 'text/plain');
  assert.equal(wrongType.status, 415);
  assert.match(wrongType.json.message!, /Content-Type must be one of application\/json/);

  // Accepted: the good gzip body, a UTF-16 body with its byte order mark, and a number beyond a double.
  assert.equal((await post(gzipped, 'application/json', { 'content-encoding': 'gzip' })).status, 202);
  assert.equal((await post(Buffer.from('\ufeff[{"sensor":"utf16","value":7}]', 'utf16le'), 'application/json')).status, 202);
  assert.equal((await post('{"sensor":"big","value":-1e400}', 'application/json')).status, 202);
  const rows = received.get(`${flowId}-rows`) ?? [];
  assert.ok(rows.some((r) => r.sensor === 'utf16' && r.value === 7), 'UTF-16 decoded');
  const journaled: DataRecord[] = [];
  for await (const e of runtime.journal(flowId, 0, 1000)) journaled.push(...e.records);
  assert.ok(journaled.some((r) => r.sensor === 'big' && JSON.stringify(r.value) === '{"$number":"-1e400"}'), 'kept as received, not null');
  assert.equal(journaled.filter((r) => r.sensor === 'ok').length, goods, 'every good body journaled, none of the bad ones');
  assert.equal(journaled.length, goods + 3);
});

const doc = (config: unknown, type = 'validate') => ({ sluice: 1, id: 'f', nodes: [{ id: 'n', type, config }], wires: [] });

test('API: flow documents that would break deploy are 4xx with the place and the reason, never 500', async (t) => {
  const { app, runtime } = await openApp(t);
  const send = (body: string | Buffer, headers: { [h: string]: string } = { 'content-type': 'application/json' }, url = '/api/flows/f/deploy') =>
    app.inject({ method: 'POST', url, headers, payload: body });
  const good = JSON.stringify(doc({}));

  const asText = await send(good, { 'content-type': 'text/plain' });
  assert.equal(asText.statusCode, 415);
  assert.match(asText.json().message, /sent as "text\/plain": send JSON with Content-Type: application\/json/);
  for (const type of ['text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'application/xml', 'application/jsonl']) {
    const res = await send(good, { 'content-type': type }, '/api/validate');
    assert.equal(res.statusCode, 415, type);
    assert.match(res.json().message, /Content-Type: application\/json/);
  }
  assert.equal((await send(good, { 'content-type': 'application/json; charset=utf-8' }, '/api/validate')).statusCode, 200);
  assert.equal((await send(good, { 'content-type': 'application/vnd.sluice.flow+json' }, '/api/validate')).statusCode, 200);
  assert.equal((await send(gzipSync(good), { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '/api/validate')).statusCode, 200);
  for (const [what, body] of CORRUPT_GZIP.filter(([w]) => w !== 'empty')) {
    const res = await send(body, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '/api/validate');
    assert.equal(res.statusCode, 400, what);
    assert.match(res.json().message, /^the gzip body is corrupt: /, what);
    assert.doesNotMatch(res.json().message, ZLIB_WORDS, what);
  }
  assert.equal((await send(good, { 'content-type': 'application/json', 'content-encoding': 'br' }, '/api/validate')).statusCode, 415);

  const located: [string, string, string, RegExp][] = [
    ['a config 10,000 levels deep', JSON.stringify(doc({ schema: {} })).replace('"schema":{}', `"schema":${deep(10_000)}`), '/nodes/0/config/schema/a/a', /^nested 10004 levels deep at \/nodes\/0\/config\/schema\/a\/a.*; the limit is 64$/],
    ['a validate schema nested past the limit', JSON.stringify(doc({ schema: JSON.parse(deepSchema(40)) })), '/nodes/0/config/schema/properties', /levels deep at \/nodes\/0\/config\/schema\/properties\/a\/properties/],
    ['__proto__ in a node config', '{"sluice":1,"id":"f","nodes":[{"id":"n","type":"validate","config":{"ranges":{"__proto__":{"min":1}}}}],"wires":[]}', '/nodes/0/config/ranges/__proto__', /the key "__proto__" at \/nodes\/0\/config\/ranges\/__proto__ is not allowed/],
    ['__proto__ in a document', '{"sluice":1,"id":"f","nodes":[],"wires":[],"__proto__":{"x":1}}', '/__proto__', /the key "__proto__"/],
  ];
  for (const [what, body, path, message] of located) {
    for (const url of ['/api/flows/f/deploy', '/api/validate', '/api/flows', '/api/import']) {
      const res = await send(body, { 'content-type': 'application/json' }, url);
      assert.equal(res.statusCode, 400, `${what} at ${url}: ${res.body.slice(0, 300)}`);
      const problems = res.json().problems as { path: string; message: string }[];
      assert.ok(problems.some((p) => p.path.startsWith(path) && message.test(p.message)), `${what} at ${url}: ${JSON.stringify(problems).slice(0, 400)}`);
    }
  }
  // Keys and names that lead an assignment to the prototype, refused at deploy with the field path.
  const refused: [unknown, string, RegExp][] = [
    [{ schema: { constructor: { prototype: { polluted: true } } } }, '/nodes/0/config/schema/constructor', /the key "constructor"/],
    [{ schema: { properties: { prototype: {} } } }, '/nodes/0/config/schema/properties/prototype', /the key "prototype"/],
    [{ required: ['__proto__'] }, '/nodes/0/config/required/0', /"__proto__" names "__proto__", the object prototype/],
    [{ numeric: ['a.__proto__.b'] }, '/nodes/0/config/numeric/0', /names "__proto__"/],
    [{ timestamp: { field: '__proto__' } }, '/nodes/0/config/timestamp/field', /names "__proto__"/],
  ];
  for (const [config, path, message] of refused) {
    const res = await send(JSON.stringify(doc(config)));
    assert.equal(res.statusCode, 400, JSON.stringify(config));
    assert.ok((res.json().problems as { path: string; message: string; nodeId: string }[]).some((p) => p.path === path && p.nodeId === 'n' && message.test(p.message)), `${JSON.stringify(config)}: ${res.body}`);
  }
  const mqttTopic = await send(JSON.stringify(doc({ url: 'mqtt://127.0.0.1:1', topics: ['s/{__proto__}/data'] }, 'mqtt-in')));
  assert.match(mqttTopic.body, /\/nodes\/0\/config\/topics\/0.*names \\"__proto__\\"/);

  // Documents built in code (the CLI, shared editing) meet the same checks without a JSON text.
  let nested: unknown = 1;
  for (let i = 0; i < 10_000; i++) nested = { a: nested };
  const result = runtime.validate(doc({ schema: nested }));
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problems[0]!.message, /^nested more than 64 levels deep at \/nodes\/0\/config\/schema\/a\/a/);
  assert.throws(() => runtime.saveDraft(doc({ schema: nested })), /nested more than 64 levels deep/);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false, 'nothing reached Object.prototype');
});

function deepSchema(levels: number): string {
  return `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"number"}${'}}'.repeat(levels)}`;
}
