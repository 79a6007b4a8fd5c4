/**
 * A worker process: loads one subject, runs one task on it (check, then time) and writes the result as
 * JSON. One process per measurement keeps subjects apart (TF.js keeps one global engine) and makes the
 * RSS high-water mark that measurement's own.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { MB, peakRssBytes, resetPeakRss, rssBytes } from './memory.js';
import { benchTask, type TaskResult, type TimingPolicy } from './run-task.js';
import { loadSubject } from './subjects.js';
import { allTasks } from './tasks.js';

export interface Job {
  subject: string;
  /** Absent: only load the subject (availability probe). */
  task?: string;
  quick: boolean;
  policy: TimingPolicy;
  timed: boolean;
  isReference: boolean;
  /** The reference output to compare with (a float32 file), if there is one. */
  referenceFile?: string;
  /** Where to save this run's output (the reference subject's). */
  outputFile?: string;
  resultFile: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Job;
  let result: TaskResult;
  const base = { task: job.task ?? '', subject: job.subject };
  try {
    const impl = await loadSubject(job.subject);
    if (!job.task) {
      result = { ...base, status: 'ok' };
    } else {
      const task = allTasks(job.quick).find((t) => t.id === job.task);
      if (!task) throw new Error(`unknown task '${job.task}'`);
      let reference: Float32Array | null = null;
      if (job.referenceFile) {
        const bytes = await readFile(job.referenceFile).catch(() => null);
        if (bytes) reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      }
      let output: Float32Array | null = null;
      const reset = resetPeakRss();
      const baseRss = rssBytes();
      result = await benchTask(task, job.subject, impl, reference, {
        policy: job.policy,
        timed: job.timed,
        isReference: job.isReference,
        onOutput: (o) => (output = o),
      });
      if (reset && (result.status === 'ok' || result.status === 'wrong'))
        result.memory = { baseMB: baseRss / MB, peakMB: peakRssBytes() / MB };
      if (job.outputFile && output) {
        const out = output as Float32Array;
        await writeFile(job.outputFile, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { ...base, status: 'unavailable', reason: message.split('\n')[0]! };
  }
  await writeFile(job.resultFile, JSON.stringify(result));
  // TF.js's wasm engine and gpu.js keep handles open: do not wait for them.
  process.exit(0);
}

await main();
