/** The baseline's worker, in a process of its own like the orchestrator's. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

const [address, taskQueue] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address: address! });
const worker = await Worker.create({
  connection,
  taskQueue: taskQueue!,
  workflowsPath: fileURLToPath(new URL('./baseline-workflows.ts', import.meta.url)),
  activities: { async noop() {} },
});
await worker.run();
await connection.close();
