import { FtpSrv } from 'ftp-srv';
import type { Logger } from '../../server/core/types.js';

/** The ftp-srv connection, as far as Sluice touches it. */
export interface Connection {
  ip: string | undefined;
  secure: boolean;
  reply(options: number | { code: number }, ...letters: unknown[]): Promise<unknown>;
  commands: { handle(command: string | { directive: string; arg: string | null }): unknown; parse(message: string): { directive: string; arg: string | null } };
  on(event: 'STOR' | 'RNTO', listener: (error: Error | null, path?: string) => void): void;
}

export interface ServerOptions {
  host: string;
  port: number;
  pasvUrl: string;
  pasvMin: number;
  pasvMax: number;
  tls: { key: string; cert: string } | undefined;
  log: Logger;
  /** Every connection, before it sends a command. */
  onConnect(connection: Connection): void;
  login(connection: Connection, username: string, password: string): Promise<{ fs: unknown }>;
}

// ftp-srv logs through bunyan to stdout by default; route what matters to the node's logger.
function quietLog(log: Logger): object {
  const logger = {
    child: () => logger,
    trace: () => undefined, debug: () => undefined, info: () => undefined,
    warn: (...args: unknown[]) => log.warn('ftp-srv', { detail: args.map(String).join(' ') }),
    error: (...args: unknown[]) => log.info('ftp-srv error', { detail: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') }),
  };
  return logger;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/**
 * Starts ftp-srv. Passive mode only: `PORT`/`EPRT` are refused (CVE-2020-15152, and a server must not
 * connect out on a client's word). ftp-srv installs signal handlers that call `process.exit`, which would
 * cut the runtime's orderly shutdown short; they are removed again.
 */
export async function startFtpServer(options: ServerOptions): Promise<{ server: FtpSrv; port: number }> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: `ftp://${options.host}:${options.port}`,
    pasv_url: options.pasvUrl,
    pasv_min: options.pasvMin,
    pasv_max: options.pasvMax,
    anonymous: false,
    tls: options.tls ?? false,
    blacklist: ['APPE', 'STOU', 'REST', 'SITE'],
    log: quietLog(options.log),
  } as ConstructorParameters<typeof FtpSrv>[0]);
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  server.on('connect' as 'login', ((event: { connection: Connection }) => options.onConnect(event.connection)) as never);
  server.on('login', ({ connection, username, password }, resolve, reject) => {
    options.login(connection as unknown as Connection, username, password).then(resolve as (v: unknown) => void, reject);
  });
  await server.listen();
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return { server, port: address.port };
}
