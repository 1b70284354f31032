import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths never written to a log line, whatever a caller passes. */
const ALWAYS_REDACTED = [
  'password',
  'token',
  'authorization',
  'secret',
  '*.password',
  '*.token',
  '*.authorization',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  /**
   * Config variables marked secret in the service's schema (`secretKeysOf`): redacted at the top
   * of a line, one level down (`{ config: { ADMIN_TOKEN } }`) and wherever a config is logged.
   */
  secrets?: readonly string[];
  /** Where lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
}

/** The redaction paths for a service whose config marks `secrets`. */
export function redactedPaths(secrets: readonly string[] = []): string[] {
  return [...ALWAYS_REDACTED, ...secrets.flatMap((key) => [key, `*.${key}`])];
}

/** A service's JSON logger; a string second argument is just the level (tests). */
export function createLogger(service: string, levelOrOptions: string | LoggerOptions = {}): Logger {
  const options = typeof levelOrOptions === 'string' ? { level: levelOrOptions } : levelOrOptions;
  const settings = {
    name: service,
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { service },
    redact: { paths: redactedPaths(options.secrets), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Routes Nest's own logging into the service's JSON logger. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/** Redacts the password of a connection URL, for the one place a URL must be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

/**
 * What of an error may reach a log line. Database errors carry the query parameters (password
 * hashes, token digests) as enumerable properties, which a generic error serializer would print.
 */
export function describeError(error: unknown): { type: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: error.message.slice(0, 500),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { type: typeof error, message: 'non-error value thrown' };
}
