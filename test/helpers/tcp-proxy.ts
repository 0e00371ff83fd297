import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every open connection and resets new ones until `restore`: the server looks down. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP relay to 127.0.0.1:`targetPort` that a test can cut, to take a shared server "down" for one client only. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) { client.resetAndDestroy(); return; }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      // A reset on one side is relayed by destroying the other; the error itself is expected here.
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const s of open) s.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
