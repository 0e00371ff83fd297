import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { sluice } from './helpers/sluice-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

/** The JSON lines of the server's stderr (its other lines are the CLI's own messages to the terminal). */
function logLines(server: ServerProcess): { level: string; time: string; msg: string; [key: string]: unknown }[] {
  return server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; time: string; msg: string });
}

async function start(t: { after(fn: () => unknown): void }, args: string[]): Promise<ServerProcess> {
  const server = await spawnServer(['--data', join(tempDir(t), 'data'), '--no-mqtt', '--no-demo', ...args]);
  t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  return server;
}

test('the server logs JSON lines through pino, fastify included; --log-level debug adds a line per request', async (t) => {
  const server = await start(t, ['--log-level', 'debug']);
  await fetch(`${server.url}/health`);
  const completed = await waitFor('the request in the log', () => logLines(server).find((l) => l.msg === 'request completed'));
  assert.equal((completed!.res as { statusCode: number }).statusCode, 200);
  const listening = logLines(server).find((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  assert.ok(listening, server.stderr());
  assert.equal(listening.level, 'info');
  assert.ok(!Number.isNaN(Date.parse(listening.time)), 'ISO time');
  assert.equal(await stopGracefully(server), 0);
});

test('at the default level requests are not logged; --log-level warn leaves out the info lines; a bad level is a usage error', async (t) => {
  const quiet = await start(t, []);
  await fetch(`${quiet.url}/health`);
  await fetch(`${quiet.url}/nope`);
  assert.equal(await stopGracefully(quiet), 0);
  assert.ok(logLines(quiet).some((l) => l.level === 'info' && /Server listening/.test(l.msg)), quiet.stderr());
  assert.ok(!logLines(quiet).some((l) => /request/.test(l.msg)), quiet.stderr());

  const warn = await start(t, ['--log-level', 'warn']);
  assert.equal(await stopGracefully(warn), 0);
  assert.deepEqual(logLines(warn).filter((l) => l.level === 'info'), []);

  const bad = await sluice(['start', '--log-level', 'loud']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-level must be one of fatal, error, warn, info, debug, trace, silent, got loud/);
});
