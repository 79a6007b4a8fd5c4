/**
 * Runs the suites: each measurement in a fresh worker process, the reference subject (backend-cpu) first
 * for every task so that its output is there to check the others against.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserSession } from './browser/session.js';
import type { TaskResult, TimingPolicy } from './run-task.js';
import { REFERENCE_SUBJECT, subjectInfo } from './subjects.js';
import type { Task } from './tasks.js';
import type { Job } from './worker.js';

export interface RunOptions {
  tasks: Task[];
  subjects: string[];
  quick: boolean;
  policy: TimingPolicy;
  /** Per worker process. */
  timeoutMs: number;
  /** Measurements at a time (default 1: timings of parallel runs disturb each other). */
  concurrency?: number;
  onProgress?(message: string): void;
  onResult?(result: TaskResult): void;
}

export interface RunOutcome {
  results: TaskResult[];
  /** Subjects that could not be loaded, with the reason. */
  unavailable: Record<string, string>;
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

async function runWorker(
  job: Omit<Job, 'resultFile'>,
  dir: string,
  timeoutMs: number,
  n: number,
): Promise<TaskResult> {
  const jobFile = join(dir, `job-${n}.json`);
  const resultFile = join(dir, `result-${n}.json`);
  await writeFile(jobFile, JSON.stringify({ ...job, resultFile }));
  const base = { task: job.task ?? '', subject: job.subject };
  const stderr = await new Promise<string | Error>((resolve) => {
    execFile(
      process.execPath,
      [WORKER, jobFile],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, _out, err) => resolve(error ? Object.assign(error, { stderrText: err }) : err),
    );
  });
  try {
    return JSON.parse(await readFile(resultFile, 'utf8')) as TaskResult;
  } catch {
    const error = stderr instanceof Error ? stderr : null;
    const lastLine = (error as { stderrText?: string } | null)?.stderrText?.trim().split('\n').at(-1);
    const killed = error && (error as { killed?: boolean }).killed;
    const reason = killed
      ? `timed out after ${Math.round(timeoutMs / 1000)} s`
      : `worker process failed (${error?.message.split('\n')[0] ?? 'no result'})${lastLine ? `: ${lastLine}` : ''}`;
    return { ...base, status: 'error', reason };
  }
}

/** Runs `jobs` with at most `n` at a time; results in the jobs' order. */
export async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, lane));
  return results;
}

export async function runBench(options: RunOptions): Promise<RunOutcome> {
  const { tasks, subjects, quick, policy, timeoutMs } = options;
  const concurrency = options.concurrency ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'cnn-bench-'));
  let n = 0;
  const unavailable: Record<string, string> = {};
  // Browser subjects share one headless Chromium, started at their first job (a fresh page per job).
  let browser = null as Promise<BrowserSession> | null;
  const inBrowser = async (job: Omit<Job, 'resultFile'>): Promise<TaskResult> => {
    browser ??= import('./browser/session.js').then((m) => m.startBrowserSession(dir));
    const session = await browser.catch((error: Error) => error);
    if (session instanceof Error)
      return { task: job.task ?? '', subject: job.subject, status: 'unavailable', reason: session.message };
    const { referenceFile, outputFile: _, isReference: __, ...rest } = job;
    const referenceUrl = referenceFile && `/files/${encodeURIComponent(basename(referenceFile))}`;
    return session.run({ ...rest, ...(referenceUrl ? { referenceUrl } : {}) }, timeoutMs);
  };
  const worker = (job: Omit<Job, 'resultFile'>) =>
    subjectInfo(job.subject).where === 'browser' ? inBrowser(job) : runWorker(job, dir, timeoutMs, n++);
  try {
    const probeIds = subjects.includes(REFERENCE_SUBJECT) ? subjects : [REFERENCE_SUBJECT, ...subjects];
    const probes = await pool(
      probeIds.map((subject) => () => worker({ subject, quick, policy, timed: false, isReference: false })),
      concurrency,
    );
    probes.forEach((probe, i) => {
      const subject = probeIds[i]!;
      if (probe.status !== 'ok') unavailable[subject] = probe.reason ?? probe.status;
      options.onProgress?.(
        `${subject}: ${probe.status === 'ok' ? 'available' : `not available (${unavailable[subject]})`}`,
      );
    });
    // Phase 1: the reference subject on every task (its outputs are what the others are checked against);
    // phase 2: everyone else. Within a phase, measurements run `concurrency` at a time.
    const referenceTimed = subjects.includes(REFERENCE_SUBJECT);
    const referenceFile = (task: Task) => join(dir, `${task.id}.f32`);
    const measure = (task: Task, subject: string) => async (): Promise<TaskResult> => {
      const isReference = subject === REFERENCE_SUBJECT;
      if (unavailable[subject])
        return { task: task.id, subject, status: 'unavailable', reason: unavailable[subject] };
      options.onProgress?.(
        `${task.id} on ${subject}${isReference && !referenceTimed ? ' (reference only)' : ''}`,
      );
      const result = await worker({
        subject,
        task: task.id,
        quick,
        policy,
        timed: !isReference || referenceTimed,
        isReference,
        referenceFile: isReference ? undefined : referenceFile(task),
        outputFile: isReference ? referenceFile(task) : undefined,
      });
      if (isReference ? referenceTimed : true) options.onResult?.(result);
      return result;
    };
    const references = await pool(
      tasks.map((task) => measure(task, REFERENCE_SUBJECT)),
      concurrency,
    );
    const others = subjects.filter((s) => s !== REFERENCE_SUBJECT);
    const rest = await pool(
      tasks.flatMap((task) => others.map((subject) => measure(task, subject))),
      concurrency,
    );
    // One block per task, subjects in the order given.
    const results: TaskResult[] = [];
    tasks.forEach((_task, t) => {
      for (const subject of subjects) {
        results.push(
          subject === REFERENCE_SUBJECT ? references[t]! : rest[t * others.length + others.indexOf(subject)]!,
        );
      }
    });
    return { results, unavailable };
  } finally {
    if (browser) await (await browser.catch(() => null))?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
