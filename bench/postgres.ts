import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import pg from 'pg';
import { silentLogger } from '../server/core/logger.js';
import type { DataRecord } from '../server/core/types.js';
import { nodeContext } from '../test/helpers/node-context.js';
import postgres from '../nodes/postgres.js';

const BATCH = 5_000;

/** Rows/s through the PostgreSQL sink into a keyed table (COPY, primary key on ts + sensor), fresh schema. */
export async function postgresThroughput(rows: number): Promise<number> {
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const config = Value.Default(postgres.config, {
    schema, table: 'readings', key: ['ts', 'sensor'],
    columns: [
      { name: 'ts', type: 'timestamptz' }, { name: 'sensor', type: 'text' },
      { name: 'value', type: 'double precision' }, { name: 'region', type: 'text' },
    ],
  }) as Parameters<typeof postgres.create>[0];
  const node = await postgres.create(config, nodeContext({ flowId: 'bench', nodeId: 'pg', log: silentLogger }));
  try {
    await node.start?.();
    const t0 = 1_767_225_600_000;
    const batches: DataRecord[][] = [];
    for (let b = 0; b < rows / BATCH; b++) {
      batches.push(Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        return { ts: t0 + Math.floor(n / 100) * 1000, sensor: `sensor-${n % 100}`, value: 20 + (n % 17) / 10, region: 'Auvergne-Rhône-Alpes' };
      }));
    }
    const started = process.hrtime.bigint();
    for (const batch of batches) await node.process!(batch, { offset: 0, ts: Date.now() });
    return rows / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await node.stop?.();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}
