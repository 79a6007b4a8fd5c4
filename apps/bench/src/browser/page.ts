/**
 * The bench in a browser page (bundled by `session.ts`): runs one job of a browser subject, exactly as
 * worker.ts does in Node, and answers with the result. The page is opened afresh for every job, like the
 * worker process, so engines and their caches never carry over between measurements.
 */
import { decodeMnist, provideMnist } from '../data.js';
import { benchTask, type TaskResult } from '../run-task.js';
import { loadSubject } from '../subjects.js';
import { allTasks } from '../tasks.js';
import type { BrowserJob } from './session.js';

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function runBenchJob(job: BrowserJob): Promise<TaskResult> {
  const base = { task: job.task ?? '', subject: job.subject };
  let impl: Awaited<ReturnType<typeof loadSubject>>;
  try {
    impl = await loadSubject(job.subject);
  } catch (error) {
    return { ...base, status: 'unavailable', reason: String((error as Error).message).split('\n')[0]! };
  }
  if (!job.task) return { ...base, status: 'ok' };
  const task = allTasks(job.quick).find((t) => t.id === job.task);
  if (!task) return { ...base, status: 'error', reason: `unknown task '${job.task}'` };
  if (task.suite === 'models') provideMnist(decodeMnist(await fetchBytes('/mnist.bin')));
  const reference = job.referenceUrl
    ? await fetchBytes(job.referenceUrl).then(
        (bytes) => new Float32Array(bytes),
        () => null,
      )
    : null;
  return benchTask(task, job.subject, impl, reference, { policy: job.policy, timed: job.timed });
}

(globalThis as { runBenchJob?: typeof runBenchJob }).runBenchJob = runBenchJob;
