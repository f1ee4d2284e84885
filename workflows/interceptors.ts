/**
 * The workflow half of tracing (operations/tracing.ts): bundled with the
 * workflows (workflowInterceptorModules), it continues the client's trace in
 * RunWorkflow/HandleUpdate/HandleSignal spans and passes it on to the
 * activities in their headers.
 *
 * Behind a patch: the OpenTelemetry interceptors are not free of effects on
 * a run. Their span ids come from the workflow's seeded Math.random, which
 * shifts every later uuid4() (a return's id), and their extra awaits move an
 * update's completion relative to other commands. Runs started before this
 * module existed (test/histories/) therefore replay without them; runs
 * started since get them from their first workflow task and always will.
 *
 * Only the workflow entry point of the package is imported: its root also
 * loads worker code that has no place in the workflow sandbox.
 */
import { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors.js';
import { patched, type WorkflowInterceptors } from '@temporalio/workflow';

export const TRACING_PATCH = 'otel-tracing';

/** Inbound calls that are not part of the history (see the gate below). */
const UNREPLAYED = new Set(['handleQuery', 'validateUpdate']);

type Handler = (input: unknown, next: (input: unknown) => unknown) => unknown;

export const interceptors = (): WorkflowInterceptors => {
  const otel = openTelemetryInterceptors();
  // Decided once per run, when the workflow function starts (patched() may not run in queries or validators).
  let tracing: boolean | undefined;
  const gate = <T extends object>(interceptor: T, decides: string[]): T =>
    new Proxy(interceptor, {
      get(target, name, receiver) {
        const method = Reflect.get(target, name, receiver) as unknown;
        if (typeof method !== 'function') return method;
        return (input: unknown, next: (input: unknown) => unknown) => {
          if (tracing === undefined && decides.includes(String(name))) tracing = patched(TRACING_PATCH);
          // Queries and update validators run on the live worker and never on replay: a span there would
          // draw on the workflow's seeded random numbers only live, and shift every later uuid4().
          if (UNREPLAYED.has(String(name))) return next(input);
          return tracing ? (method as Handler).call(target, input, next) : next(input);
        };
      },
    });
  return {
    inbound: (otel.inbound ?? []).map((i) => gate(i, ['execute'])),
    outbound: (otel.outbound ?? []).map((i) => gate(i, [])),
    internals: (otel.internals ?? []).map((i) => gate(i, [])),
  };
};
