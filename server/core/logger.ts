import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import type { Logger } from './types.js';

/** pino's levels, most severe first; `--log-level` takes one of them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);

/**
 * The server's one pino logger: JSON lines with the level by name and an ISO time, so they stay greppable
 * and machine-readable. fastify logs through the same instance (its `loggerInstance`), the runtime
 * through `toLogger`.
 */
export function createPino(level: LogLevel = 'info', destination: DestinationStream = process.stderr): Pino {
  return pino({
    level,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
}

/** The runtime's Logger interface over a pino logger: `log.warn(msg, fields)` is `pino.warn(fields, msg)`. */
export function toLogger(log: Pino): Logger {
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}

/** A pino-backed Logger writing JSON lines through `write` (stderr by default). */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l), level: LogLevel = 'info'): Logger {
  return toLogger(createPino(level, { write }));
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
