import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RuntimeManager } from '../../server/runtime/manager.js';
import { received } from '../fixtures/test-nodes.js';
import { openApp, type TestContext } from './api-app.js';
import { PASSWORD, ftpPort } from './ftp.js';

/** An FTP receiver flow: `ftp` → test-sink `rows`, `ftp:invalid` → test-sink `bad`. */
export interface Deployed { runtime: RuntimeManager; port: number; flowId: string; dataDir: string }

export async function deploy(t: TestContext, config: object = {}): Promise<Deployed> {
  const { runtime } = await openApp(t);
  const flowId = `ftp-${randomBytes(4).toString('hex')}`;
  received.delete('rows');
  received.delete('bad');
  await runtime.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      { id: 'ftp', type: 'ftp-receiver', config: {
        port: 0, pasvMin: 31000, pasvMax: 31999, users: [{ name: 'site-a', password: PASSWORD }],
        timestamp: { field: 'ts', format: 'iso8601' }, ...config,
      } },
      { id: 'rows', type: 'test-sink' },
      { id: 'bad', type: 'test-sink' },
    ],
    wires: [{ from: 'ftp', to: 'rows' }, { from: 'ftp:invalid', to: 'bad' }],
  });
  const dataDir = join((runtime as unknown as { options: { dataDir: string } }).options?.dataDir ?? '', 'flows', flowId, 'nodes', 'ftp');
  return { runtime, port: ftpPort(runtime, flowId), flowId, dataDir };
}

export const stats = (d: Deployed) => d.runtime.queryNode(d.flowId, 'ftp', 'stats', {}) as {
  files: number; records: number; invalid: number; duplicates: number; failedUploads: number; refused: { [k: string]: number };
};
export const rows = () => received.get('rows') ?? [];
export const bad = () => received.get('bad') ?? [];
export const csvRows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `2024-05-01T00:00:${String((from + i) % 60).padStart(2, '0')}Z,s${(from + i) % 5},${(from + i) / 10}`).join('\n');

