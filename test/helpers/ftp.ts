import { Client } from 'basic-ftp';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RuntimeManager } from '../../server/runtime/manager.js';

export const PASSWORD = 'correct horse battery staple';

/** The control port the FTP receiver `nodeId` of `flowId` listens on. */
export function ftpPort(runtime: RuntimeManager, flowId: string, nodeId = 'ftp'): number {
  return (runtime.queryNode(flowId, nodeId, 'address', {}) as { port: number }).port;
}

export async function ftpClient(port: number, user = 'site-a', password = PASSWORD, secure = false): Promise<Client> {
  const client = new Client(10_000);
  await client.access({ host: '127.0.0.1', port, user, password, secure, secureOptions: { rejectUnauthorized: false } });
  return client;
}

export async function upload(port: number, name: string, content: string | Buffer): Promise<string> {
  const client = await ftpClient(port);
  try {
    const res = await client.uploadFrom(Readable.from([Buffer.from(content)]), name);
    return `${res.code} ${res.message}`;
  } finally {
    client.close();
  }
}

/** An upload as loggers do it for `completion: "rename"`: under `<name>.tmp`, renamed once complete. */
export async function uploadRenamed(port: number, user: string, password: string, name: string, content: string | Buffer): Promise<void> {
  const client = await ftpClient(port, user, password);
  try {
    await client.uploadFrom(Readable.from([Buffer.from(content)]), `${name}.tmp`);
    await client.rename(`${name}.tmp`, name);
  } finally {
    client.close();
  }
}

/** A bare FTP control connection: send a command, read the reply (for what clients refuse to do). */
export class RawFtp {
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      let i;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        // Multi-line replies continue with "NNN-": wait for the final "NNN " line.
        if (/^\d{3} /.test(line)) this.waiters.shift()?.(line);
      }
    });
  }

  static async open(port: number): Promise<RawFtp> {
    const socket = connect(port, '127.0.0.1');
    const raw = new RawFtp(socket);
    await raw.reply();
    return raw;
  }

  reply(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async send(command: string): Promise<string> {
    const answer = this.reply();
    this.socket.write(`${command}\r\n`);
    return answer;
  }

  async login(user: string, password: string): Promise<string> {
    await this.send(`USER ${user}`);
    return this.send(`PASS ${password}`);
  }

  /** PASV, then a data connection to the port it names. */
  async passive(): Promise<Socket> {
    const answer = await this.send('PASV');
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(answer);
    if (!m) throw new Error(`unexpected PASV answer: ${answer}`);
    const data = connect(Number(m[5]) * 256 + Number(m[6]), '127.0.0.1');
    await new Promise((resolve) => data.once('connect', resolve));
    return data;
  }

  close(): void {
    this.socket.destroy();
  }
}
