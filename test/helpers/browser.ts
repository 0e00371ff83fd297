import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../server/auth/access-plugin.js';
import { AuthInputError, type AuthStore } from '../../server/auth/auth-store.js';
import type { Role } from '../../server/auth/roles.js';

/** Debian's Chromium: the editor tests drive the browser the machines install, never one playwright downloads. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Fails (never skips) when Chromium is missing: a skipped browser test would hide a broken editor. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`the editor tests need Debian's Chromium at ${CHROMIUM_PATH}; install it with `
      + '`apt-get update && apt-get install -y chromium` (do not let playwright download a browser)');
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Logs the page's browser context in as `name` with `role` (the user is created when missing): a real session
 * in the server's store, its cookie set for `url`, exactly what POST /api/login would have set.
 */
export async function signIn(page: Page, url: string, auth: AuthStore, role: Role = 'admin', name = `test-${role}`): Promise<void> {
  await signInContext(page.context(), url, auth, role, name);
}

/** signIn for a whole browser context: every page it opens is logged in. */
export async function signInContext(context: BrowserContext, url: string, auth: AuthStore, role: Role = 'admin', name = `test-${role}`): Promise<void> {
  if (!auth.user(name)) {
    try {
      await auth.addUser(name, role, `${name}-password`);
    } catch (err) {
      // Two pages signing in at once both found the user missing: the other one created it.
      if (!(err instanceof AuthInputError && err.code === 'conflict')) throw err;
    }
  }
  const session = auth.createSession(name);
  await context.addCookies([{ name: SESSION_COOKIE, value: session.id, url: new URL(url).origin, httpOnly: true, sameSite: 'Strict' }]);
}
