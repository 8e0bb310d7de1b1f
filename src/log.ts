/**
 * Logging with pino: JSON lines on stderr (stdout stays for results and the debugger's answers).
 * Simulation code receives a logger; it never logs wall-clock-dependent values into result files.
 */
import { pino, type Logger } from 'pino';
import { UsageError } from './errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(level: string): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  return pino({ level, base: { app: 'lemsim' } }, pino.destination(2));
}
