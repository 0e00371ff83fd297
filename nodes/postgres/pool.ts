import pg from 'pg';
import type { PostgresConfig } from './config.js';

export function createPool(config: PostgresConfig, onIdleError: (err: Error) => void): pg.Pool {
  const c = config.connection;
  const pool = new pg.Pool({
    host: c.host, port: c.port, database: c.database, user: c.user, password: c.password,
    ssl: c.ssl === 'disable' ? false : c.ssl === 'require' ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...(c.ca ? { ca: c.ca } : {}) },
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    keepAlive: true,
    application_name: 'sluice',
  });
  // An idle connection dropped by the server (restart, pg_terminate_backend) must not crash the process;
  // the pool replaces it and the next write reports the outage if there is one.
  pool.on('error', onIdleError);
  return pool;
}
