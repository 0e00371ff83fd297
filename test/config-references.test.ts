import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinNodes } from '../nodes/index.js';
import { compileFlow, type CompileResult } from '../server/core/compile-flow.js';
import { NodeRegistry } from '../server/core/registry.js';
import type { SecretSource } from '../server/core/secrets.js';

const registry = new NodeRegistry(builtinNodes);
const environment = (vars: { [name: string]: string }): SecretSource => ({ get: (kind, name) => (kind === 'env' ? vars[name] : undefined) });

/** One FTP receiver and one MQTT out, configured as a shipped flow would be: numbers and switches from the environment. */
function compile(ftp: { [k: string]: unknown }, out: { [k: string]: unknown }, vars: { [name: string]: string }): CompileResult {
  return compileFlow({
    sluice: 1, id: 'site',
    nodes: [
      { id: 'ftp', type: 'ftp-receiver', config: { users: [{ name: 'site-a', password: 'pw' }], ...ftp } },
      { id: 'out', type: 'mqtt-out', config: { url: 'mqtt://127.0.0.1:1883', topic: 'cmd/{sensor}', ...out } },
    ],
    wires: [{ from: 'ftp', to: 'out' }],
  }, registry, environment(vars));
}

const configOf = (r: CompileResult, id: string) => {
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.flow.nodes.get(id)!.config as { [k: string]: unknown };
};

test('a field that is exactly one reference takes the number or boolean its schema asks for', () => {
  const r = compile({ port: '${env:FTP_PORT}', pasvMin: '${env:PASV_MIN}' }, { retain: '${env:RETAIN}' }, { FTP_PORT: '2121', PASV_MIN: '30000', RETAIN: 'true' });
  assert.equal(configOf(r, 'ftp').port, 2121);
  assert.equal(configOf(r, 'ftp').pasvMin, 30000);
  assert.equal(configOf(r, 'out').retain, true);
});

test('a reference inside a longer string stays text, and literal strings are not converted', () => {
  const r = compile({ port: '2121' }, { topic: 'site/${env:SITE}/cmd' }, { SITE: '7' });
  assert.equal(r.ok, false);
  const problems = !r.ok ? r.problems : [];
  assert.deepEqual(problems.map((p) => p.path), ['/nodes/0/config/port'], 'a port typed as a string is still refused');
  const text = compile({}, { topic: 'site/${env:SITE}/cmd' }, { SITE: '7' });
  assert.equal(configOf(text, 'out').topic, 'site/7/cmd');
});

test('a reference whose value is not a number is refused at its path without showing the value', () => {
  const r = compile({ port: '${env:FTP_PORT}' }, {}, { FTP_PORT: 'twenty-one' });
  assert.equal(r.ok, false);
  const problems = !r.ok ? r.problems : [];
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.path, '/nodes/0/config/port');
  assert.equal(problems[0]!.nodeId, 'ftp');
  assert.doesNotMatch(problems[0]!.message, /twenty-one/);
});
