import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceHeaders } from './tracing.js';

const spanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

describe(injectTraceHeaders.name, () => {
  it('writes the span context as a W3C traceparent that extracts to the same context', () => {
    const headers = injectTraceHeaders(trace.setSpanContext(ROOT_CONTEXT, spanContext));

    expect(headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(trace.getSpanContext(extractTraceContext(headers))).toMatchObject({
      ...spanContext,
      isRemote: true,
    });
  });

  it('writes nothing when no span is active', () => {
    expect(injectTraceHeaders(ROOT_CONTEXT)).toEqual({});
  });
});

describe(extractTraceContext.name, () => {
  it('yields no span context for headers without a valid traceparent', () => {
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage', other: 'x' }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
  });
});
