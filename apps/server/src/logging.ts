import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const requestIds = new AsyncLocalStorage<string>();
/** What a caller may send as `x-request-id` to correlate its logs with ours; anything else is replaced. */
const CALLER_ID = /^[\w.:-]{1,128}$/;
/** Probes and scrapes would drown the access log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const LEVELS: Record<string, string> = { log: 'info', warn: 'warn', error: 'error', debug: 'debug', verbose: 'debug', fatal: 'fatal' };

/**
 * `MERIDIAN_LOG_FORMAT=json`: one JSON object per line on stdout — time, level, msg, role, and
 * the context (Nest's logger name) and requestId when there is one — for log shippers.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly role: string,
    /** Nest's own levels that are written (as in text mode, its chatty `log` level is left out). */
    private readonly levels: ReadonlySet<LogLevel> = new Set(['warn', 'error', 'fatal']),
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  line(level: LogLevel, msg: unknown, fields: Record<string, unknown> = {}): void {
    const requestId = requestIds.getStore();
    const text = msg instanceof Error ? (msg.stack ?? msg.message) : typeof msg === 'string' ? msg : JSON.stringify(msg);
    this.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: LEVELS[level] ?? level,
        msg: text,
        role: this.role,
        ...(requestId ? { requestId } : {}),
        ...fields,
      }),
    );
  }

  /** Nest calls these with (message, ...optionalParams) where the last string is the context. */
  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.levels.has(level)) return;
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
    this.line(level, message, { ...(context ? { context } : {}), ...(stack ? { stack } : {}) });
  }

  log(message: unknown, ...params: unknown[]) {
    this.emit('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.emit('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.emit('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.emit('fatal', message, params);
  }
}

/**
 * Gives every request on the API port an id — the caller's `x-request-id` if it is a sane token,
 * else a new UUID — echoes it in the response header, and makes it the `requestId` of every log
 * line written while handling the request. With a logger, also writes one access line per request.
 */
export function requestContext(logger?: JsonLogger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    if (logger && !QUIET_PATHS.has(req.path)) {
      res.once('finish', () =>
        requestIds.run(id, () =>
          logger.line('log', `${req.method} ${req.path} ${res.statusCode}`, {
            context: 'http',
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        ),
      );
    }
    requestIds.run(id, next);
  };
}
