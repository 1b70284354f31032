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
    serializers: { err: describeLoggedError, error: describeLoggedError },
    formatters: { log: (object: Record<string, unknown>) => withErrorsDescribed(object) },
    hooks: { streamWrite: boundedLine },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** The longest line a logger writes; a longer one is cut to its message (MAX_MESSAGE_CHARS). */
export const MAX_LOG_LINE_BYTES = 16 * 1024;
const MAX_MESSAGE_CHARS = 500;

/**
 * Errors reach a line only as `describeError` tells them, wherever they sit in what a caller logs
 * (`err`, `error`, `cause`, one level down): a failed query's error carries its SQL and every
 * parameter (users' search terms, message content), which pino's own serializer would print whole.
 */
function withErrorsDescribed(object: Record<string, unknown>, depth = 1): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    const safe = describedValue(value, depth);
    if (safe !== value) {
      copy ??= { ...object };
      copy[key] = safe;
    }
  }
  return copy ?? object;
}

function describedValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return describeError(value);
  if (depth <= 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return withErrorsDescribed(value as Record<string, unknown>, depth - 1);
}

/** A line past MAX_LOG_LINE_BYTES keeps its level, time, service and the start of its message. */
function boundedLine(line: string): string {
  if (line.length <= MAX_LOG_LINE_BYTES) return line;
  let head: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    head = { level: parsed['level'], time: parsed['time'], service: parsed['service'], name: parsed['name'] };
    if (typeof parsed['msg'] === 'string') head['msg'] = parsed['msg'].slice(0, MAX_MESSAGE_CHARS);
  } catch {
    head = { msg: 'unreadable log line' };
  }
  return `${JSON.stringify({ ...head, truncatedFromBytes: Buffer.byteLength(line) })}\n`;
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

function describeLoggedError(value: unknown): unknown {
  return describedValue(value, 1);
}

export interface DescribedError {
  type: string;
  message: string;
  code?: string;
  /** Names from the schema (never values) a database error points at. */
  table?: string;
  column?: string;
  constraint?: string;
  routine?: string;
  /** Where it was thrown: the frames only, as the first line of a stack repeats the message. */
  stack?: string[];
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What of an error may reach a log line. Database errors carry the statement and its parameters
 * (password hashes, token digests, search terms, message content) as enumerable properties, and
 * their messages and details quote the values they choke on: of those only the SQLSTATE, the
 * schema names and the message with every quoted value taken out are kept.
 */
export function describeError(error: unknown): DescribedError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'non-error value thrown' };
  const driver = (error as { driverError?: unknown }).driverError;
  const source = (driver instanceof Error ? driver : error) as Error & Record<string, unknown>;
  const code = typeof source['code'] === 'string' ? source['code'] : undefined;
  if (code !== undefined && SQLSTATE.test(code)) {
    const names: Partial<DescribedError> = {};
    for (const field of ['table', 'column', 'constraint', 'routine'] as const) {
      const value = source[field];
      if (typeof value === 'string') names[field] = value.slice(0, 128);
    }
    return { type: error.name, message: withoutQuotedValues(source.message), code, ...names };
  }
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 10)
    .map((line) => line.trim().slice(0, 300));
  return {
    type: error.name,
    message: error.message.slice(0, MAX_MESSAGE_CHARS),
    ...(code !== undefined ? { code: code.slice(0, 64) } : {}),
    ...(frames.length > 0 ? { stack: frames } : {}),
  };
}

/** PostgreSQL quotes the value it refuses (`value "2147483648" is out of range`): never logged. */
function withoutQuotedValues(message: string): string {
  return message
    .slice(0, 4 * MAX_MESSAGE_CHARS)
    .replace(/"[^"]*"?/g, '"…"')
    .replace(/'[^']*'?/g, "'…'")
    .slice(0, MAX_MESSAGE_CHARS);
}
