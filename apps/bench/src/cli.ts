#!/usr/bin/env node
/**
 * `pnpm bench`: our backends and the peers (TF.js cpu/wasm, ConvNetJS) doing the same work, checked against
 * backend-cpu, then timed. Prints a table and writes JSON, Markdown and SVG charts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runBench } from './orchestrate.js';
import { writeCharts } from './report/charts.js';
import { captureEnvironment } from './report/env.js';
import { type BenchReport, makeReport, markdownReport, terminalTable } from './report/report.js';
import { FULL_POLICY, QUICK_POLICY, type TaskResult } from './run-task.js';
import { BROWSER_SUBJECTS, SUBJECTS } from './subjects.js';
import { allTasks, SUITES, type SuiteName } from './tasks.js';

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command('cnn-bench')
  .version(version)
  .description(
    "Benchmarks our backends against TensorFlow.js (cpu, wasm) and ConvNetJS on the same work. Every subject's output is first checked against backend-cpu (a subject that disagrees is reported wrong and not timed); then warm-up runs, then timed runs (median, min, max), each ending with the result read back.",
  )
  .option(
    '--quick',
    'a small subset, fast enough for CI: checks agreement and that every subject runs; its figures are not benchmarks',
  )
  .addOption(
    new Option('--suite <names>', 'suites to run, comma-separated')
      .default([...SUITES], 'kernels,models')
      .argParser(list),
  )
  .option(
    '--subjects <ids>',
    `subjects to run, comma-separated (${SUBJECTS.map((s) => s.id).join(', ')})`,
    list,
  )
  .option('--tasks <ids>', 'only these tasks (ids or id prefixes, comma-separated; see --list)', list)
  .option(
    '--runs <n>',
    `timed runs per measurement (default ${FULL_POLICY.runs}, quick ${QUICK_POLICY.runs})`,
    positiveInt,
  )
  .option(
    '--warmup <n>',
    `warm-up runs, the first one checked (default ${FULL_POLICY.warmup}, quick ${QUICK_POLICY.warmup})`,
    positiveInt,
  )
  .option(
    '--epoch-budget <seconds>',
    `time for the MNIST epoch's timed runs per subject (default ${FULL_POLICY.budgetMs / 1000})`,
    positiveInt,
  )
  .option(
    '--jobs <n>',
    "measurements run at once (default 1; --quick 2). Parallel runs disturb each other's timings",
    positiveInt,
  )
  .option('--timeout <seconds>', 'limit per measurement (worker process)', positiveInt, 900)
  .option(
    '--out <dir>',
    'write <dir>/benchmarks.md, <dir>/bench/results.json and <dir>/bench/*.svg; `--out docs` updates the report kept in the repository',
    'out/bench',
  )
  .option('--no-charts', 'skip the SVG charts')
  .option(
    '--from <results.json>',
    'run nothing: re-render the table, Markdown and charts of a saved run into --out',
  )
  .option(
    '--browser',
    `also run the browser-only engines (${BROWSER_SUBJECTS.map((s) => s.id).join(', ')}) in headless Chromium`,
  )
  .option('--list', 'list the tasks and subjects, run nothing')
  .addHelpText(
    'after',
    `
Examples:
  node apps/bench/dist/cli.js --quick                       smoke test (CI; also: pnpm bench --quick)
  node apps/bench/dist/cli.js --out docs                    full run, rewrites docs/benchmarks.md and docs/bench/*
  node apps/bench/dist/cli.js --suite kernels --tasks gemm  only the GEMMs
  node apps/bench/dist/cli.js --subjects cpu,tf-wasm        only backend-cpu and TF.js wasm
  node apps/bench/dist/cli.js --browser                     also gpujs, tfjs-webgl and TF.js webgl in headless Chromium`,
  );

interface Options {
  quick?: boolean;
  suite: string[];
  subjects?: string[];
  tasks?: string[];
  runs?: number;
  warmup?: number;
  epochBudget?: number;
  timeout: number;
  jobs?: number;
  out: string;
  charts: boolean;
  list?: boolean;
  from?: string;
  browser?: boolean;
}

/** `<out>/benchmarks.md`, `<out>/bench/results.json` and `<out>/bench/*.svg`. */
async function writeReport(
  report: BenchReport,
  outDir: string,
  withCharts: boolean,
  cwd: string,
): Promise<void> {
  const benchDir = join(outDir, 'bench');
  await mkdir(benchDir, { recursive: true });
  await writeFile(join(benchDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const charts = withCharts ? await writeCharts(report, benchDir, 'bench') : [];
  await writeFile(join(outDir, 'benchmarks.md'), markdownReport(report, charts));
  const fromCwd = relative(cwd, outDir) || '.';
  const shown = fromCwd.startsWith('..') ? outDir : fromCwd;
  console.log(
    `\nReport: ${join(shown, 'benchmarks.md')}, figures: ${join(shown, 'bench', 'results.json')}${charts.length ? `, ${charts.length} charts` : ''}`,
  );
}

async function main(): Promise<void> {
  program.parse();
  const options = program.opts<Options>();
  const quick = !!options.quick;
  const suites = options.suite as SuiteName[];
  for (const s of suites)
    if (!SUITES.includes(s)) program.error(`unknown suite '${s}' (choose from ${SUITES.join(', ')})`);
  const known = [...SUBJECTS, ...BROWSER_SUBJECTS];
  const subjects =
    options.subjects ?? [...SUBJECTS, ...(options.browser ? BROWSER_SUBJECTS : [])].map((s) => s.id);
  for (const s of subjects) {
    if (!known.some((x) => x.id === s))
      program.error(`unknown subject '${s}' (choose from ${known.map((x) => x.id).join(', ')})`);
  }
  let tasks = allTasks(quick, suites);
  if (options.tasks) {
    const wanted = options.tasks;
    tasks = tasks.filter((t) => wanted.some((w) => t.id.startsWith(w)));
    if (!tasks.length) program.error(`no task matches ${wanted.join(', ')} (see --list)`);
  }
  if (options.list) {
    console.log('Tasks:');
    for (const t of tasks) console.log(`  ${t.id.padEnd(30)} ${t.title} — ${t.detail} (${t.unit})`);
    console.log('Subjects:');
    for (const s of known) console.log(`  ${s.id.padEnd(20)} ${s.description}`);
    return;
  }
  const base = quick ? QUICK_POLICY : FULL_POLICY;
  const policy = {
    ...base,
    runs: options.runs ?? base.runs,
    warmup: options.warmup ?? base.warmup,
    budgetMs: options.epochBudget !== undefined ? options.epochBudget * 1000 : base.budgetMs,
  };
  // pnpm runs the app in its own folder; paths given on the command line are meant from where it was typed.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const outDir = resolve(cwd, options.out);
  if (options.from) {
    let saved: BenchReport;
    try {
      saved = JSON.parse(await readFile(resolve(cwd, options.from), 'utf8')) as BenchReport;
    } catch (error) {
      return program.error(`error: --from ${options.from}: ${(error as Error).message}`);
    }
    console.log(terminalTable(saved));
    await writeReport(saved, outDir, options.charts, cwd);
    return;
  }
  const environment = captureEnvironment();
  const started = performance.now();
  console.log(
    `cnn-bench${quick ? ' --quick' : ''}: ${tasks.length} tasks x ${subjects.length} subjects on ${environment.cpu} (${environment.cores} cores), Node ${environment.node}`,
  );
  const { results, unavailable } = await runBench({
    tasks,
    subjects,
    quick,
    policy,
    timeoutMs: options.timeout * 1000,
    concurrency: options.jobs ?? (quick ? 2 : 1),
    onProgress: (m) => process.stderr.write(`  · ${m}\n`),
    onResult: (r: TaskResult) => {
      if (r.status === 'ok' && r.rate) return;
      if (r.status !== 'unavailable') process.stderr.write(`    ${r.subject}: ${r.status}: ${r.reason}\n`);
    },
  });
  environment.loadAverageEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const report = makeReport({
    quick,
    command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
    environment,
    policy,
    tasks,
    results,
    durationSeconds: (performance.now() - started) / 1000,
    subjectIds: subjects,
    unavailable,
  });
  console.log(terminalTable(report));
  const benchDir = join(outDir, 'bench');
  await mkdir(benchDir, { recursive: true });
  await writeFile(join(benchDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const charts = options.charts ? await writeCharts(report, benchDir, 'bench') : [];
  await writeFile(join(outDir, 'benchmarks.md'), markdownReport(report, charts));
  const fromCwd = relative(process.env.INIT_CWD ?? process.cwd(), outDir) || '.';
  const shown = fromCwd.startsWith('..') ? outDir : fromCwd;
  console.log(
    `\nReport: ${join(shown, 'benchmarks.md')}, figures: ${join(shown, 'bench', 'results.json')}${charts.length ? `, ${charts.length} charts` : ''}`,
  );
  const bad = results.filter((r) => r.status === 'wrong' || r.status === 'error' || r.status === 'unchecked');
  if (bad.length) {
    console.error(`\n${bad.length} measurement(s) disagreed with backend-cpu or failed:`);
    for (const r of bad) console.error(`  ${r.task} on ${r.subject}: ${r.status}: ${r.reason}`);
    process.exitCode = 1;
  }
}

await main();
