import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/sluice.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** The admin bearer token the server was started with (SLUICE_ADMIN_TOKEN); `--token` for the CLI. */
  token: string;
  /** `{ authorization: 'Bearer <token>' }`, for fetch and `new WebSocket(url, { headers })`. */
  auth: { authorization: string };
  /** Everything the server wrote to stdout so far (the listening line, the one-time login link). */
  stdout(): string;
  /** Everything the server wrote to stderr (logs), for failure messages. */
  stderr(): string;
}

export interface StartOptions {
  /** Deploy the demo flow on the first start (default false: --no-demo). */
  demo?: boolean;
  /** Extra environment variables of the child. */
  env?: NodeJS.ProcessEnv;
}

/** Starts `sluice start` in a child process on a free port and resolves once it listens. */
export function startServer(dataDir: string, extraArgs: string[] = [], options: StartOptions = {}): Promise<ServerProcess> {
  // No embedded broker unless the test asks for one with --mqtt-port.
  const mqtt = extraArgs.includes('--mqtt-port') ? [] : ['--no-mqtt'];
  return spawnServer(['--data', dataDir, ...(options.demo ? [] : ['--no-demo']), ...mqtt, ...extraArgs], options.env);
}

/**
 * `sluice start --port 0 <args>` in a child process (no defaults added); resolves once it listens. The child
 * gets a random SLUICE_ADMIN_TOKEN (the production feature for CI and containers); `api()` sends it.
 */
export function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  // Never starting with '-': the CLI tests pass it as `--token <t>`, where it would read as an option.
  const token = `t${randomBytes(32).toString('base64url')}`;
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_ADMIN_TOKEN: token, ...env },
  });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 20 s; stderr:\n${err}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, token, auth: { authorization: `Bearer ${token}` }, stdout: () => out, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr:\n${err}`));
    });
  });
}

/** SIGKILL: no shutdown hook runs, exactly like a power cut of the process. */
export function killHard(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGKILL');
  });
}

export async function stopGracefully(server: ServerProcess): Promise<number | null> {
  return new Promise((resolve) => {
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}

/** A JSON call with the server's admin token. */
export async function api<T = unknown>(server: ServerProcess, path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: init?.method ?? 'GET',
    headers: { ...server.auth, ...(init?.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
