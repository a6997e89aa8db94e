// One pino logger for the process. Tokens and Authorization headers never reach the log sink:
// redaction happens in pino itself, so a careless `logger.info({ headers })` is still safe.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'bearer',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'cookie',
  'headers.cookie',
  '*.headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where logs go; defaults to stdout. Tests pass a stream to assert redaction. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    name: options.name ?? 'countersign',
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: { pid: process.pid },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

export type { Logger };
