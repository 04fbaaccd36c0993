/**
 * Child-process worker of ChildProcessPool (pool.ts): takes tasks over IPC one at a time, runs them with
 * a model it keeps loaded, and sends each TaskResult back. It never touches the store. It exits as soon as
 * the parent disconnects (or dies: the IPC channel closes with it).
 */
import { executeTask, ModelCache } from './execute.js';
import type { FromChild, ToChild } from './pool.js';

if (!process.send) {
  process.stderr.write('worker-process.js is started by the audit runner, not by hand.\n');
  process.exit(2);
}
const send = (m: FromChild) => void process.send!(m);
let models: ModelCache | undefined;
let chain = Promise.resolve();
process.on('message', (m: ToChild) => {
  chain = chain
    .then(async () => {
      models ??= new ModelCache(m.rt);
      send({ type: 'result', result: await executeTask(m.task, models, m.rt, `local-${process.pid}`) });
    })
    .catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
// The parent disconnects when the work is done, or its channel closes because it died or was killed: either
// way no one will read another result, so exit now (the OS frees the model) rather than finish a task.
process.on('disconnect', () => process.exit(0));
