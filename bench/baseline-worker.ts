/** The baseline's worker, in a process of its own like the orchestrator's. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import { dataConverterOf } from '../operations/payload-codec.js';

const [address, taskQueue] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address: address! });
const worker = await Worker.create({
  connection,
  taskQueue: taskQueue!,
  workflowsPath: fileURLToPath(new URL('./baseline-workflows.ts', import.meta.url)),
  activities: { async noop() {} },
  // The same codec as the orchestrator's worker (PAYLOAD_KEYS from bench/run.ts): the comparison includes encryption on both sides.
  dataConverter: dataConverterOf(loadConfig()),
});
await worker.run();
await connection.close();
