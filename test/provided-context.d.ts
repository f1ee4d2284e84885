import 'vitest';

// Values test/global-setup.ts hands to every test file through inject().
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    /** Empty when no Temporal UI is known (an external cluster without TEMPORAL_UI_URL). */
    temporalUiUrl: string;
    workflowBundlePath: string;
    /** Path of the time-skipping test server binary (support/time-skipping.ts). */
    temporalTestServer: string;
  }
}
