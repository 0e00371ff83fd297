import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/sluice.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the server wrote to stderr (logs), for failure messages. */
  stderr(): string;
  /** Everything the server wrote to stdout so far. */
  stdout(): string;
}

/** Starts `sluice start` in a child process on a free port and resolves once it listens. */
export function startServer(dataDir: string, extraArgs: string[] = []): Promise<ServerProcess> {
  // No embedded broker unless the test asks for one with --mqtt-port.
  const mqtt = extraArgs.includes('--mqtt-port') ? [] : ['--no-mqtt'];
  return spawnServer(['--data', dataDir, '--no-demo', ...mqtt, ...extraArgs]);
}

/** `sluice start --port 0 <args>` in a child process (no defaults added); resolves once it listens. */
export function spawnServer(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 20 s; stderr:\n${err}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, stdout: () => out });
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

export async function api<T = unknown>(server: ServerProcess, path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
