import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../server/cli/package-root.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const root = packageRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The lines of the README's ```sh blocks, block by block, comments and continuation lines kept. */
function shellBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (current === null && line.trim() === '```sh') current = [];
    else if (current !== null && line.trim() === '```') {
      blocks.push(current);
      current = null;
    } else if (current !== null) current.push(line);
  }
  return blocks;
}

/** The CLI invocations in a shell line: what follows `sluice` up to the end of the command. */
const cliCalls = (line: string) => [...line.replace(/#.*$/, '').matchAll(/(?:^|[\s$(&;])((?:npx )?sluice(?: [^)&|;#]*)?)/g)].map((m) => m[1]!.trim());

/**
 * A fresh clone as `git clone` gives it (the tracked files, as they are in this checkout), with the
 * dependencies copied in (hard links: installing them from the registry compiles native modules for minutes).
 */
function freshClone(dir: string): void {
  const files = execFileSync('git', ['-C', root, 'ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  assert.ok(files.includes('package.json'), 'a git checkout');
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  }
  execFileSync('cp', ['-al', join(root, 'node_modules'), join(dir, 'node_modules')]);
}

/** Runs a bash script in the clone; fails with everything it printed. */
function bash(cwd: string, script: string, env: { [name: string]: string | null } = {}): string {
  const merged = { ...process.env };
  // What the person's shell would not have: this test's own settings (null removes a variable).
  for (const [name, value] of Object.entries({ SLUICE_TOKEN: null, SLUICE_SERVER: null, ...env })) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env: merged, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Edits demo.json as the printed instructions and the README say: the questdb node and its wire. */
const ADD_STORE = `node -e '
const fs = require("fs"); const doc = JSON.parse(fs.readFileSync("demo.json", "utf8"));
doc.nodes = doc.nodes.filter((n) => n.id !== "store"); doc.wires = doc.wires.filter((w) => w.to !== "store");
doc.nodes.push({ id: "store", type: "questdb", config: { address: "http://127.0.0.1:9000", table: "demo_readings", columns: { sensor: "symbol", value: "double" } } });
doc.wires.push({ from: "check", to: "store" });
fs.writeFileSync("demo.json", JSON.stringify(doc, null, 2));'`;

test('every CLI command in the README is written as npx sluice, which works after npm install in a clone', () => {
  const blocks = shellBlocks(readme);
  assert.ok(blocks.length >= 5, `${blocks.length} sh blocks`);
  const calls = blocks.flat().flatMap(cliCalls);
  assert.ok(calls.length >= 15, calls.join('\n'));
  assert.deepEqual(calls.filter((c) => !c.startsWith('npx sluice ')), [], 'a bare `sluice` is not on the PATH after npm install');
  // A token from a command substitution is exported only when the command succeeded.
  const substitutions = blocks.flat().filter((l) => /SLUICE_TOKEN=\$\(/.test(l));
  assert.ok(substitutions.length >= 3);
  for (const line of substitutions) assert.match(line, /^SLUICE_TOKEN=\$\(npx sluice token create [^)]+\) && export SLUICE_TOKEN(\s|$)/, line);
  assert.match(readme, /`npm link` in the clone \(or `npm install -g \.`\)/, 'how to get a global sluice');
});

test('in a fresh clone after npm install, the commands sluice start prints and the README\'s QuestDB steps run as printed', { timeout: 300_000 }, async (t) => {
  const clone = tempDir(t, 'sluice-clone-');
  freshClone(clone);
  // The install builds (prepare), so `npx sluice` works right after it; it warns about no engine.
  const install = bash(clone, 'npm install --no-audit --no-fund --prefer-offline 2>&1');
  assert.doesNotMatch(install, /EBADENGINE|npm (warn|WARN)/, install);
  assert.match(bash(clone, 'npx sluice --help'), /Usage: sluice <command>/);

  // The README's `npm start` is `sluice start` on fixed ports; a test on a shared machine takes free ones.
  const server = spawn('npx', ['sluice', 'start', '--port', '0', '--mqtt-port', '0'], { cwd: clone, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  server.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  server.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  t.after(() => {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // the group is gone already
    }
  });
  const url = (await waitFor('the server listening', () => /Sluice listening on (http:\/\/\S+)/.exec(out)?.[1], 60_000).catch((e: Error) => assert.fail(`${e.message}\n${out}\n${err}`)))!;

  // What it printed, as a person pastes it: the token, the export, the edit it describes, the deploy.
  const printed = out.split('\n').filter((l) => /^ {2}(export |SLUICE_TOKEN=|npx sluice )/.test(l)).map((l) => l.trim());
  assert.deepEqual(printed.map((l) => l.split(' ')[0]), ['export', 'SLUICE_TOKEN=$(npx', 'npx', 'npx'], out);
  assert.equal(printed[0], `export SLUICE_SERVER=${url}   # deploy and export talk to this server`, 'the server is not at the default address: the commands say where it is');
  const deploy = printed.pop()!;
  const answer = bash(clone, `${printed.join('\n')}\n${ADD_STORE}\n${deploy}`);
  const first = Number(/^deployed demo revision (\d+)$/m.exec(answer)?.[1]);
  assert.ok(first > 1, answer);

  // The README's own QuestDB block, line by line, against the same server (SLUICE_SERVER names it).
  const block = shellBlocks(readme).find((b) => b.some((l) => l.startsWith('npx sluice export demo')))!;
  const lines = block.filter((l) => !l.startsWith('#'));
  const again = bash(clone, `${lines.slice(0, -1).join('\n')}\n${ADD_STORE}\n${lines.at(-1)}`, { SLUICE_SERVER: url });
  assert.ok(Number(/^deployed demo revision (\d+)$/m.exec(again)?.[1]) >= first, again);
  t.diagnostic(`install and the printed commands took ${Math.round(performance.now() / 1000)} s into the test file`);

  // The one-time link creates the first admin.
  const setup = /#setup=([A-Za-z0-9_-]+)/.exec(out)![1]!;
  const created = await fetch(`${url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: setup, name: 'alice', password: 'a-long-password' }) });
  assert.equal(created.status, 201, await created.text());

  // A failed token command leaves SLUICE_TOKEN empty when exported the old way: the CLI says so instead of sending nothing.
  const empty = spawnSync('bash', ['-c', 'export SLUICE_TOKEN=$(npx sluice token create --scope nobody 2>/dev/null); npx sluice export demo'], { cwd: clone, env: { ...process.env, SLUICE_SERVER: url }, encoding: 'utf8' });
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /SLUICE_TOKEN is set but empty \(did the command that set it fail\?\)/);

  // The flows the README deploys are valid as shipped.
  for (const file of new Set(shellBlocks(readme).flat().flatMap((l) => /npx sluice deploy (flows\/\S+\.json)/.exec(l)?.[1] ?? []))) {
    assert.match(bash(clone, `npx sluice validate ${file}`), /^ok: /, file);
  }

  // As Ctrl+C or a service manager stop the whole group: npx goes at once, the server shuts down in order.
  process.kill(-server.pid!, 'SIGTERM');
  await exited;
  await waitFor('the server shut down', async () => /SIGTERM: shutting down/.test(err) && !(await fetch(`${url}/health`).then(() => true, () => false)), 10_000);
  assert.doesNotMatch(err, /did not finish|shutdown failed/);
});
