import { context, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Level, type LoggerOptions } from 'pino';
import type { ResilienceEvent, ResilienceRegistry } from '../resilience/registry.js';
import { redact, scrubText } from './redact.js';

export type Logger = pino.Logger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = Level | 'silent';

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/**
 * The process's one logger: JSON lines with an ISO `time` and a `level` name (what Loki and people read), every
 * field and message passed through `redact` so no secret reaches a line, and the active span's trace_id/span_id
 * added to lines written inside a traced request.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    // ISO time rather than epoch milliseconds: readable, and a 13-digit number is no card-number candidate.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redact(bindings) as Record<string, unknown>,
      log: (object) => redact(object) as Record<string, unknown>,
    },
    // `redact` already turned errors into plain objects; pino's default serializer would re-read them as errors.
    serializers: { err: (value: unknown) => value },
    hooks: {
      logMethod(args, method) {
        // logger.error(err) and logger.error(err, 'msg'): pino would take the message from the raw error.
        if (args[0] instanceof Error) {
          const err = args[0];
          const rest = args.slice(1).map((a) => (typeof a === 'string' ? scrubText(a) : a));
          if (rest.length === 0) rest.push(scrubText(err.message));
          return method.apply(this, [{ err }, ...rest] as Parameters<typeof method>);
        }
        return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
      },
    },
    mixin: traceFields,
  };
  // Asynchronous stdout: a request never waits on the terminal. pino flushes it synchronously on process exit.
  const logger = pino(config, options.destination ?? pino.destination({ dest: 1, sync: false }));
  // pino applies formatters.bindings to the root's bindings only; a child's are scrubbed here, once, when it is
  // made. Children inherit this method, so grandchildren are covered too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redact(bindings) as typeof bindings, childOptions);
  } as typeof child;
  return logger;
}

/** trace_id and span_id of the active span, so lines logged inside a traced request can be found from the trace. */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Writes out whatever the logger still buffers (asynchronous destinations); call before the process exits. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/**
 * Logs what the resilience layer reports: a breaker opening as a warning, recovering as info. Retries and
 * give-ups come by the hundred in an outage; they are counted in /metrics and logged only at debug.
 */
export function logResilienceEvents(resilience: ResilienceRegistry, logger: Logger): () => void {
  return resilience.on((event: ResilienceEvent) => {
    if (event.type === 'breaker_state') {
      const isOpen = event.state === 'open' || event.state === 'isolated';
      logger[isOpen ? 'warn' : 'info']({ dependency: event.dependency, state: event.state }, `circuit breaker ${event.state}`);
    } else if (event.type === 'retry') {
      logger.debug({ dependency: event.dependency, attempt: event.attempt, delay_ms: event.delayMs }, 'retrying');
    } else {
      logger.debug({ dependency: event.dependency, reason: event.reason }, 'gave up');
    }
  });
}
