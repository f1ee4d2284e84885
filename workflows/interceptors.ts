/**
 * The workflow half of tracing (operations/tracing.ts): bundled with the
 * workflows (workflowInterceptorModules), it continues the client's trace in
 * RunWorkflow/HandleUpdate/HandleSignal spans and passes it on to the
 * activities in their headers.
 *
 * Behind a patch: the OpenTelemetry interceptors are not free of effects on
 * a run. Their span ids come from the workflow's seeded Math.random, which
 * shifts every later uuid4() (a return's id), and their extra awaits move an
 * update's completion relative to other commands. Whether a run traces is
 * therefore decided once, in its first workflow task, from what its history
 * says, and never changes:
 * - runs started before tracing existed (no patch marker): never;
 * - `otel-tracing` (the first shape): always;
 * - since `patches-decided-at-start` (workflows/support.ts, the marker every
 *   run now writes in its first task): only a run started within a trace,
 *   i.e. whose start carries the client's trace header (an API with tracing
 *   on, or a traced parent or previous run). An untraced run never builds a tracer:
 *   the OpenTelemetry objects cost about 2.5 MB per cached workflow (measured
 *   with 700 idle carts: 1.8 GB of worker RSS with them, 470 MB without).
 *
 * Only the workflow entry point of the package is imported: its root also
 * loads worker code that has no place in the workflow sandbox.
 */
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import { patched, type WorkflowExecuteInput, type WorkflowInterceptors } from '@temporalio/workflow';
import { patchGeneration } from './support.js';

/** Every run traced (the first shape). */
export const TRACING_PATCH = 'otel-tracing';

/** Inbound calls that are not part of the history (see the gate below). */
const UNREPLAYED = new Set(['handleQuery', 'validateUpdate']);

type Handler = (input: unknown, next: (input: unknown) => unknown) => unknown;
type Otel = ReturnType<typeof openTelemetryInterceptors>;

/** The methods an interceptor class defines (read from its prototype: nothing is built). */
function methodsOf(type: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(type.prototype).filter((name) => name !== 'constructor');
}

/** Whether this run traces: decided when the workflow function starts (patched() may not run in queries or validators). */
function decide(input: WorkflowExecuteInput): boolean {
  // The same marker the workflow's own Patches.decide() reads: one marker, written here first.
  if (patchGeneration() > 0) return input.headers[TRACE_HEADER] !== undefined;
  return patched(TRACING_PATCH);
}

export const interceptors = (): WorkflowInterceptors => {
  let tracing: boolean | undefined;
  // Built the first time a traced run needs it, never for an untraced one.
  let otel: Otel | undefined;
  const gate = (kind: keyof Otel, methods: string[]): Record<string, Handler> =>
    Object.fromEntries(
      methods.map((name) => [
        name,
        (input: unknown, next: (input: unknown) => unknown) => {
          if (tracing === undefined && kind === 'inbound' && name === 'execute') tracing = decide(input as WorkflowExecuteInput);
          // Queries and update validators run on the live worker and never on replay: a span there would
          // draw on the workflow's seeded random numbers only live, and shift every later uuid4().
          if (!tracing || UNREPLAYED.has(name)) return next(input);
          otel ??= openTelemetryInterceptors();
          // The package's interceptors() gives one interceptor of each kind.
          const target = otel[kind]?.[0] as unknown as Record<string, Handler>;
          return target[name]!.call(target, input, next);
        },
      ]),
    );
  return {
    inbound: [gate('inbound', methodsOf(OpenTelemetryInboundInterceptor))],
    outbound: [gate('outbound', methodsOf(OpenTelemetryOutboundInterceptor))],
    internals: [gate('internals', methodsOf(OpenTelemetryInternalsInterceptor))],
  };
};
