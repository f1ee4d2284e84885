import 'vitest';

// Values test/global-setup.ts hands to every test file through inject().
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}
