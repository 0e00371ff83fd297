import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

export interface MqttBrokerOptions {
  host: string;
  /** 0 = a free port (see `port` once started). */
  port: number;
  /** Hooks such as `authenticate` (tests use it to make the broker refuse clients). */
  aedes?: AedesOptions;
}

/**
 * The embedded MQTT broker (aedes over TCP) that `sluice start --mqtt-port` runs, so the demo and a fresh
 * machine work without installing one. MQTT 3.1.1 only, sessions in memory: a broker for development,
 * not for data that must survive a server restart.
 */
export class MqttBroker {
  private readonly sockets = new Set<Socket>();

  private constructor(readonly aedes: Aedes, private readonly server: Server, readonly host: string, readonly port: number) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: MqttBrokerOptions): Promise<MqttBroker> {
    const aedes = await Aedes.createBroker(options.aedes);
    const server = createServer(aedes.handle);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw new Error(`the MQTT broker cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`);
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    return new MqttBroker(aedes, server, options.host, port);
  }

  get url(): string {
    return `mqtt://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Stops listening and drops every client connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
