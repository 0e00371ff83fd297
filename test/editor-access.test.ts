import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../server/cli/package-root.js';
import { draft, openApp, type TestContext } from './helpers/api-app.js';
import { launchChromium } from './helpers/browser.js';
import { waitFor } from './helpers/wait.js';

const editorDir = join(packageRoot(), 'dist', 'editor');
const LONG = 30_000;

/** A server with the built editor, an editor and a viewer account, and a deployed flow. */
async function serve(t: TestContext) {
  assert.ok(existsSync(join(editorDir, 'index.html')), 'run `npm run build` first (vite builds the editor)');
  const opened = await openApp(t, { editorDir });
  await opened.app.listen({ port: 0, host: '127.0.0.1' });
  const res = await opened.app.inject({ method: 'POST', url: '/api/flows/shown/deploy', payload: draft('shown', 'Shown flow') });
  assert.equal(res.statusCode, 200, res.body);
  const url = `http://127.0.0.1:${(opened.app.server.address() as AddressInfo).port}`;
  return { ...opened, url };
}

async function newPage(t: TestContext, browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return { page, errors };
}

async function logIn(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/#/flows/shown`);
  const form = page.getByRole('form', { name: 'Log in' });
  await form.waitFor({ timeout: LONG });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('canvas').waitFor({ timeout: LONG });
}

test('the login page leads to the editor; an editor sees Deploy, a viewer sees a read-only flow and cannot deploy through the API either', async (t) => {
  const { runtime, url } = await serve(t);
  await runtime.auth.addUser('eddie', 'editor', 'eddie password');
  await runtime.auth.addUser('vera', 'viewer', 'vera password');
  const browser = await launchChromium();
  t.after(() => browser.close());

  const editor = await newPage(t, browser);
  await logIn(editor.page, url, 'eddie', 'eddie password');
  assert.equal(await editor.page.getByTestId('role').textContent(), 'editor');
  await editor.page.locator('.react-flow__node[data-id="sim"]').waitFor({ timeout: LONG });
  for (const name of ['Deploy…', 'New flow', 'Import', 'Undo']) {
    assert.equal(await editor.page.getByRole('button', { name }).count(), 1, `the editor has ${name}`);
  }
  assert.equal(await editor.page.getByRole('navigation', { name: 'Node palette' }).count(), 1);
  assert.equal(await editor.page.getByRole('button', { name: 'Users' }).count(), 0, 'user admin is for admins');
  assert.equal(await editor.page.getByRole('button', { name: 'API tokens' }).count(), 0, 'so are API tokens');
  assert.equal(await editor.page.getByRole('button', { name: 'Password' }).count(), 1, 'everyone changes their own password');

  const viewer = await newPage(t, browser);
  await logIn(viewer.page, url, 'vera', 'vera password');
  assert.equal(await viewer.page.getByTestId('role').textContent(), 'viewer');
  await viewer.page.locator('.react-flow__node[data-id="sim"]').waitFor({ timeout: LONG });
  await viewer.page.getByTestId('read-only').waitFor();
  for (const name of ['Deploy…', 'New flow', 'Import', 'Undo', 'Redo']) {
    assert.equal(await viewer.page.getByRole('button', { name }).count(), 0, `the viewer has no ${name}`);
  }
  assert.equal(await viewer.page.getByRole('navigation', { name: 'Node palette' }).count(), 0, 'no palette');
  await viewer.page.keyboard.press('Control+Enter');
  assert.equal(await viewer.page.getByRole('dialog').count(), 0, 'Ctrl+Enter opens no deploy dialog');
  // The node's form is shown, read-only.
  await viewer.page.locator('.react-flow__node[data-id="sim"]').click();
  await viewer.page.getByTestId('properties').waitFor();
  assert.notEqual(await viewer.page.locator('[data-testid="properties"] fieldset.sl-props-fields').getAttribute('disabled'), null);
  assert.equal(await viewer.page.getByLabel('Name', { exact: true }).isEditable(), false, 'the name field is read-only');

  // The server refuses what the page hides: the viewer's own session, with its CSRF token, cannot deploy.
  const session = await (await viewer.page.request.get(`${url}/api/session`)).json() as { csrfToken: string };
  const refused = await viewer.page.request.post(`${url}/api/flows/shown/deploy`, { headers: { 'x-csrf-token': session.csrfToken, origin: url } });
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json() as { error: string }).error, 'forbidden');
  const allowed = await editor.page.request.get(`${url}/api/session`).then((r) => r.json() as Promise<{ csrfToken: string }>);
  const deployed = await editor.page.request.post(`${url}/api/flows/shown/deploy`, { headers: { 'x-csrf-token': allowed.csrfToken, origin: url } });
  assert.equal(deployed.status(), 200, await deployed.text());

  await viewer.page.getByRole('button', { name: 'Log out' }).click();
  await viewer.page.getByRole('form', { name: 'Log in' }).waitFor();
  assert.equal((await viewer.page.request.get(`${url}/api/flows`)).status(), 401, 'the session ended on the server');
  assert.deepEqual(editor.errors, []);
  assert.deepEqual(viewer.errors, []);
});

test('the one-time link opens a page that creates the first admin and logs in', async (t) => {
  const { runtime, url } = await serve(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page, errors } = await newPage(t, browser);
  await page.goto(`${url}/#setup=${runtime.auth.createLoginLink()}`);
  const form = page.getByRole('form', { name: 'Create the first admin' });
  await form.waitFor({ timeout: LONG });
  await form.getByLabel('Name').fill('root');
  await form.getByLabel('Password').fill('first admin password');
  await form.getByRole('button', { name: 'Create admin and log in' }).click();
  await page.getByTestId('role').waitFor({ timeout: LONG });
  assert.equal(await page.getByTestId('role').textContent(), 'admin');
  assert.doesNotMatch(page.url(), /setup=/, 'the spent token left the address bar');
  assert.deepEqual(runtime.auth.users().map((u) => [u.name, u.role]), [['root', 'admin']]);

  // The admin manages users from the header.
  await page.getByRole('button', { name: 'Users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Users' });
  await dialog.getByLabel('New user name').fill('vic');
  await dialog.getByLabel('New user role').selectOption('editor');
  await dialog.getByLabel('New user password').fill('vic password 1');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await dialog.getByLabel('Role of vic').waitFor();
  await dialog.getByLabel('Role of vic').selectOption('viewer');
  await waitFor('the role change', () => runtime.auth.user('vic')?.role === 'viewer');
  assert.deepEqual(runtime.auth.auditLog({ limit: 10 }).map((e) => [e.action, e.target, e.actor]).reverse(), [
    ['flow.deploy', 'shown', 'token:test-admin'], ['user.add', 'root', 'login-link'], ['user.add', 'vic', 'root'], ['user.role', 'vic', 'root'],
  ]);
  assert.deepEqual(errors, []);
});

test('an admin creates an API token in the editor, sees its secret once and revokes it; then changes their own password and carries on', async (t) => {
  const { runtime, url } = await serve(t);
  await runtime.auth.addUser('ada', 'admin', 'ada password 1');
  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page, errors } = await newPage(t, browser);
  await logIn(page, url, 'ada', 'ada password 1');

  await page.getByRole('button', { name: 'API tokens' }).click();
  const tokens = page.getByRole('dialog', { name: 'API tokens' });
  await tokens.getByLabel('Token name').fill('ci reader');
  await tokens.getByLabel('Token scopes').fill('viewer');
  await tokens.getByLabel('Expires in days').fill('30');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = await tokens.getByLabel('New token').inputValue();
  assert.match(secret, /^slu_/);
  const asToken = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
  assert.equal(await asToken('/api/flows'), 200, 'the token shown works');
  assert.equal(await asToken('/api/users'), 403, 'as a viewer');
  const row = tokens.getByTestId('token-row').filter({ hasText: 'ci reader' });
  await row.waitFor();
  assert.match(await row.textContent() ?? '', /viewer.*expires \d{4}-\d{2}-\d{2}/);
  assert.doesNotMatch(await tokens.getByRole('table').textContent() ?? '', new RegExp(secret.slice(-12)), 'the list never shows a secret');
  await tokens.getByRole('button', { name: 'Revoke ci reader' }).click();
  await waitFor('the revocation', async () => (await asToken('/api/flows')) === 401);
  await waitFor('its row to go', async () => (await row.count()) === 0);
  await tokens.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Password' }).click();
  const password = page.getByRole('dialog', { name: 'Change password' });
  await password.getByLabel('Current password').fill('not my password');
  await password.getByLabel('New password', { exact: true }).fill('ada password 2');
  await password.getByLabel('Repeat the new password').fill('ada password 2');
  await password.getByRole('button', { name: 'Change password' }).click();
  await password.getByRole('alert').waitFor();
  assert.match(await password.getByRole('alert').textContent() ?? '', /^The current password is wrong\.$/);
  await password.getByLabel('Current password').fill('ada password 1');
  await password.getByRole('button', { name: 'Change password' }).click();
  await password.getByRole('status').waitFor();
  assert.ok(await runtime.auth.checkPassword('ada', 'ada password 2'));
  assert.equal(await runtime.auth.checkPassword('ada', 'ada password 1'), undefined);
  await password.getByRole('button', { name: 'Close' }).click();

  // The page goes on with the session the change started: an unsafe request carries its new CSRF token.
  await page.getByRole('button', { name: 'API tokens' }).click();
  await tokens.getByLabel('Token name').fill('after the change');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  await tokens.getByTestId('token-row').filter({ hasText: 'after the change' }).waitFor();
  assert.deepEqual(runtime.auth.auditLog({ limit: 4 }).map((e) => [e.action, e.actor]).reverse(), [
    ['token.create', 'ada'], ['token.revoke', 'ada'], ['user.password', 'ada'], ['token.create', 'ada'],
  ]);
  // The wrong current password is a 403 the browser logs; nothing else may be.
  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), []);
  assert.equal(errors.length, 1, errors.join('; '));
});
