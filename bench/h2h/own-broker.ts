import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqttBroker } from '../../server/services/mqtt-broker.js';
import type { Broker } from '../mqtt.js';

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
  s.once('error', reject);
});

const answers = (port: number) => new Promise<boolean>((resolve) => {
  const s = tcpConnect(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

/**
 * A Mosquitto of the bench's own for the crash runs, configured as the mqtt-in docs say "nothing lost" needs:
 * `max_queued_messages 0` (the shared broker's default of 1000 queued messages per client would drop readings
 * on its own while a killed subscriber restarts, and the run would measure the broker, not the system).
 * Without a `mosquitto` binary: the embedded aedes broker (sessions in memory; it outlives the killed child).
 */
export async function ownBroker(): Promise<Broker & { what: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-h2h-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 20\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const started = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    const poll = async () => {
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) return resolve(false);
        if (await answers(port)) return resolve(true);
        await new Promise((r) => setTimeout(r, 20));
      }
      resolve(false);
    };
    void poll();
  });
  if (started) {
    const close = async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    return { url: `mqtt://127.0.0.1:${port}`, shared: true, close, what: `own Mosquitto on port ${port} (max_queued_messages 0)` };
  }
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write('h2h: no mosquitto binary; the crash runs use the embedded aedes broker\n');
  const b = await MqttBroker.start({ host: '127.0.0.1', port: 0 });
  return { url: b.url, shared: false, close: () => b.close(), what: 'embedded aedes broker' };
}
