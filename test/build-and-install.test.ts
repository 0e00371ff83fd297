import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import semver from 'semver';
import { packageRoot } from '../server/cli/package-root.js';

const root = packageRoot();
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as { [key: string]: unknown };

/** Vite warns past 500 kB of minified JavaScript in one chunk (`build.chunkSizeWarningLimit`, in kB of 1,000 bytes). */
const VITE_CHUNK_WARNING_BYTES = 500 * 1000;

test('no chunk of the built editor passes the size at which Vite warns on every build', () => {
  const assets = join(root, 'dist', 'editor', 'assets');
  const chunks = readdirSync(assets).filter((f) => f.endsWith('.js'));
  assert.ok(chunks.length > 1, `the editor is split into several chunks: ${chunks.join(', ')}`);
  for (const chunk of chunks) {
    const size = statSync(join(assets, chunk)).size;
    assert.ok(size < VITE_CHUNK_WARNING_BYTES, `${chunk} is ${size} bytes`);
  }
});

test('every package of the lock file accepts this Node.js, so an install prints no EBADENGINE warning', () => {
  // npm warns when `engines.node` of an installed package is not satisfied (npm-install-checks, with prereleases).
  const lock = readJson('package-lock.json') as { packages: { [path: string]: { version?: string; engines?: { node?: string } | string[] } } };
  const misfits = Object.entries(lock.packages)
    .filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node && !semver.satisfies(process.version, p.engines.node, { includePrerelease: true }))
    .map(([path, p]) => `${path}@${p.version} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(misfits, [], `running ${process.version}`);
});

test('npm test hands node --test the test files only, not the helpers and fixtures beside them', () => {
  const script = (readJson('package.json').scripts as { test: string }).test;
  const command = script.split('&&').map((c) => c.trim()).find((c) => c.startsWith('node --test'));
  assert.ok(command, script);
  // The files exactly as npm's shell expands them.
  const args = execFileSync('sh', ['-c', `for a in ${command.replace(/^node --test/, '')}; do echo "$a"; done`], { cwd: root, encoding: 'utf8' })
    .split('\n').filter((a) => a !== '' && !a.startsWith('--'));
  const files = args.map((a) => relative(root, join(root, a))).sort();
  const testFiles = readdirSync(join(root, 'dist', 'test')).filter((f) => f.endsWith('.test.js')).map((f) => join('dist', 'test', f)).sort();
  assert.ok(testFiles.length > 50, `${testFiles.length} test files`);
  assert.deepEqual(files, testFiles);
  assert.ok(readdirSync(join(root, 'dist', 'test', 'helpers')).length > 0, 'the helpers are there, and left out');
});
