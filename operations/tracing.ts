/**
 * Traces, from the API request through the order workflow to its activities:
 * an HTTP span per request (named by the route pattern, not the URL, so
 * traces group per route), Temporal's client interceptor (StartWorkflow,
 * UpdateWithStart… spans carried to the workflow in its headers), the
 * workflow interceptors bundled with the workflows (workflows/interceptors.ts)
 * and the activity interceptor on the worker. Exported by OTLP over HTTP
 * (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * Off (no endpoint): no provider is registered, the API adds no middleware
 * and the client and worker no interceptors. Only the workflow interceptors
 * stay, because they are in the prebuilt bundle; their spans go to a sink
 * that drops them.
 */
import { fileURLToPath } from 'node:url';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';

/** Bundled with the workflows (scripts/bundle-workflows.ts, the tests' global setup). */
export const WORKFLOW_INTERCEPTORS_PATH = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));

export interface Tracing {
  readonly serviceName: string;
  readonly tracer: Tracer;
  /** For `new Client({ interceptors: { workflow: tracing.clientInterceptors() } })`. */
  clientInterceptors(): WorkflowClientInterceptor[];
  /** Sends the spans still buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface TracingInternals extends Tracing {
  readonly processor: SpanProcessor;
  readonly resource: Resource;
}

let installed: TracingInternals | undefined;

/**
 * Registers the process's tracer provider when an OTLP endpoint is configured;
 * undefined (tracing off) otherwise. Once per process: a second call returns
 * the first provider (the global OpenTelemetry API takes one).
 */
export function installTracing(config: Config, component: 'api' | 'worker' | 'app'): Tracing | undefined {
  const endpoint = config.tracing.otlpEndpoint;
  if (!endpoint) return undefined;
  if (installed) return installed;
  const serviceName = config.tracing.serviceName ?? `order-orchestrator-${component}`;
  const resource = new Resource({ 'service.name': serviceName });
  // OTLP/HTTP with JSON bodies: /v1/traces under the configured base, as the OTLP spec names it.
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
  const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // The async-hooks context manager and W3C propagator: the HTTP span stays current through the route's awaits.
  provider.register();
  const tracer = trace.getTracer('order-orchestrator');
  installed = {
    serviceName,
    tracer,
    processor,
    resource,
    clientInterceptors: () => [new OpenTelemetryWorkflowClientInterceptor()],
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      installed = undefined;
    },
  };
  return installed;
}

/** The sink the bundled workflow interceptors export through; it drops their spans when tracing is off. */
export function workflowTracingSinks(tracing: Tracing | undefined): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  if (!tracing) return { exporter: { export: { fn: () => undefined } } };
  const internals = tracing as TracingInternals;
  return { exporter: makeWorkflowExporter(internals.processor, internals.resource) };
}

/** Worker options for tracing: the activity interceptors (on) and the workflow span sink (always, see above). */
export function workerTracingOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  return {
    sinks: workflowTracingSinks(tracing),
    ...(tracing ? { interceptors: { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })] } } : {}),
  };
}

/**
 * One server span per request, current while the route runs, so the
 * Temporal client's span is its child. Named `METHOD /route/:pattern` once
 * the router has matched (the raw path would make one span name per cart).
 * An incoming `traceparent` (a storefront that traces) is continued.
 */
export function httpTracing(tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracing.tracer.startSpan(
      `${req.method}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.once('finish', () => {
      const route = req.route?.path as string | undefined;
      const base = req.baseUrl ?? '';
      if (route !== undefined) {
        span.updateName(`${req.method} ${base}${route}`);
        span.setAttribute('http.route', `${base}${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), () => next());
  };
}
