import {
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type { Context as TraceContext, Span as TraceSpan };

/** The Kafka header names that carry a trace from one service to the next (W3C Trace Context). */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

// Used directly rather than registered globally: carrying a context costs nothing when tracing is off.
const propagator = new W3CTraceContextPropagator();

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Readonly<Record<string, string | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

let provider: TracerProvider | undefined;

export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_TRACES_EXPORTER?: string;
}

/**
 * Sends spans over OTLP/HTTP (JSON) when an OTLP endpoint is configured; otherwise leaves the
 * no-op tracer in place, so spans on the push path cost nothing. Call before the application is
 * created. Returns whether tracing is on.
 */
export function startTracing(serviceName: string, env: TracingEnv = process.env): boolean {
  if (provider) return true;
  const url = tracesUrlOf(env);
  if (url === undefined) return false;
  provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        scheduledDelayMillis: 200,
        exportTimeoutMillis: 5000,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => flushOnSignal(signal));
  return true;
}

/** Exports what is buffered and stops; safe to call when tracing is off. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  await stopping?.shutdown().catch(() => undefined);
}

/**
 * Runs alongside the framework's own shutdown on the same signal, so spans of the last moments
 * are exported while the application closes. If nothing else handles the signal, it is raised
 * again so the process still ends.
 */
function flushOnSignal(signal: NodeJS.Signals): void {
  void provider
    ?.forceFlush()
    .catch(() => undefined)
    .finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
}

function tracesUrlOf(env: TracingEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  if (env.OTEL_TRACES_EXPORTER?.trim() === 'otlp') return 'http://localhost:4318/v1/traces';
  return undefined;
}

/** Starts a span as a child of `parent` (the root when absent). */
export function startSpan(name: string, options: SpanOptions = {}, parent: Context = ROOT_CONTEXT): Span {
  return trace.getTracer('pushmail').startSpan(name, options, parent);
}

/** The context in which `span` is the parent. */
export function contextWithSpan(span: Span, parent: Context = ROOT_CONTEXT): Context {
  return trace.setSpan(parent, span);
}

/** `traceparent` (and `tracestate`) for the span active in `context`; empty when there is none. */
export function injectTraceHeaders(context: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(context, headers, setter);
  return headers;
}

/** The remote parent carried by message headers; the root context when they carry none. */
export function extractTraceContext(headers: Readonly<Record<string, string | undefined>>): Context {
  return propagator.extract(ROOT_CONTEXT, headers, getter);
}
