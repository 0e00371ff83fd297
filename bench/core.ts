import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { countingSink } from './counting-sink.js';

/** simulate → validate → count, journal on; returns records per second from deploy to the last record. */
export async function coreThroughput(durability: 'normal' | 'full', records: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { reached = resolve; });
  const sink = countingSink((total) => { if (total >= records) reached(); });
  const manager = await RuntimeManager.open({
    dataDir, durability, log: silentLogger, registry: new NodeRegistry([...builtinNodes, sink]),
  });
  try {
    const started = process.hrtime.bigint();
    await manager.deploy('bench', {
      sluice: 1, id: 'bench',
      nodes: [
        { id: 'sim', type: 'simulate', config: { sensors: 100, ratePerSecond: 0, batchSize: 5000, limit: records, value: { amplitude: 0 } } },
        { id: 'check', type: 'validate', config: { ranges: { value: { min: -100, max: 100 } } } },
        { id: 'count', type: 'bench-count' },
      ],
      wires: [{ from: 'sim', to: 'check' }, { from: 'check', to: 'count' }],
    });
    await done;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return records / seconds;
  } finally {
    await manager.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
