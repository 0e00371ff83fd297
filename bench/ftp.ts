import { Client } from 'basic-ftp';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { countingSink } from './counting-sink.js';

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('ts,sensor,value\n');
  const t0 = Date.parse('2024-05-01T00:00:00Z');
  for (let i = 0; i < rows; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += `${new Date(t0 + j * 1000).toISOString()},s${j % 100},${(j % 1000) / 10}\n`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A CSV of `rows` rows uploaded with basic-ftp on loopback; records per second until the 226 (journal-committed). */
export async function ftpThroughput(rows: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-ftp-'));
  const file = join(dir, 'upload.csv');
  const manager = await RuntimeManager.open({ dataDir: join(dir, 'data'), log: silentLogger, registry: new NodeRegistry([...builtinNodes, countingSink(() => undefined)]) });
  const client = new Client(60_000);
  try {
    await writeCsv(file, rows);
    await manager.deploy('bench', {
      sluice: 1, id: 'bench',
      nodes: [
        { id: 'ftp', type: 'ftp-receiver', config: { port: 0, pasvMin: 32000, pasvMax: 32999, users: [{ name: 'bench', password: 'bench-password' }], timestamp: { field: 'ts', format: 'iso8601' } } },
        { id: 'count', type: 'bench-count' },
      ],
      wires: [{ from: 'ftp', to: 'count' }],
    });
    const { port } = manager.queryNode('bench', 'ftp', 'address', {}) as { port: number };
    await client.access({ host: '127.0.0.1', port, user: 'bench', password: 'bench-password' });
    const started = process.hrtime.bigint();
    await client.uploadFrom(file, 'upload.csv');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { records } = manager.queryNode('bench', 'ftp', 'stats', {}) as { records: number };
    if (records !== rows) throw new Error(`expected ${rows} records journaled, got ${records}`);
    return rows / seconds;
  } finally {
    client.close();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
