/** The report: every figure with its context, as JSON, a terminal table and Markdown. */
import { KERNEL_TOLERANCE, MODEL_TOLERANCE, type Tolerance } from '../agree.js';
import type { TaskResult, TimingPolicy } from '../run-task.js';
import { ALL_SUBJECTS, type SubjectInfo } from '../subjects.js';
import type { Task } from '../tasks.js';
import type { Environment } from './env.js';
import { columns, fmtNumber, fmtRatio, fmtTime } from './format.js';

export interface BenchReport {
  quick: boolean;
  command: string;
  environment: Environment;
  policy: TimingPolicy;
  tolerances: { kernels: Tolerance; models: Tolerance };
  subjects: (SubjectInfo & { available: boolean; reason?: string })[];
  tasks: Task[];
  results: TaskResult[];
  durationSeconds: number;
}

export function makeReport(
  fields: Omit<BenchReport, 'tolerances' | 'subjects'> & {
    subjectIds: string[];
    unavailable: Record<string, string>;
  },
): BenchReport {
  const { subjectIds, unavailable, ...rest } = fields;
  return {
    ...rest,
    tolerances: { kernels: KERNEL_TOLERANCE, models: MODEL_TOLERANCE },
    subjects: ALL_SUBJECTS.filter((s) => subjectIds.includes(s.id)).map((s) => ({
      ...s,
      available: !unavailable[s.id],
      ...(unavailable[s.id] ? { reason: unavailable[s.id] } : {}),
    })),
  };
}

const label = (id: string) => ALL_SUBJECTS.find((s) => s.id === id)?.label ?? id;
const kindOf = (id: string) => ALL_SUBJECTS.find((s) => s.id === id)?.kind ?? 'peer';

const STATUS_WORDS: Record<TaskResult['status'], string> = {
  ok: 'ok',
  wrong: 'WRONG',
  unsupported: 'cannot',
  unavailable: 'n/a',
  error: 'ERROR',
  unchecked: 'unchecked',
  skipped: 'skipped',
};

/** Throughput of `ours` over `peer` on one task (the same work, so the rate ratio). */
export function ratio(ours: TaskResult | undefined, peer: TaskResult | undefined): number | undefined {
  if (!ours?.rate || !peer?.rate || ours.status !== 'ok' || peer.status !== 'ok') return undefined;
  return ours.rate.median / peer.rate.median;
}

/** `cpu / TF.js wasm = 0.4x` for every peer that ran the task. */
function versusPeers(report: BenchReport, task: Task, r: TaskResult): string {
  if (kindOf(r.subject) !== 'ours' || r.status !== 'ok') return '';
  return report.results
    .filter((p) => p.task === task.id && kindOf(p.subject) === 'peer')
    .map((p) => {
      const x = ratio(r, p);
      return x === undefined ? '' : `${label(r.subject)} / ${label(p.subject)} = ${fmtRatio(x)}`;
    })
    .filter(Boolean)
    .join(' · ');
}

function rateCell(r: TaskResult): string {
  return r.rate ? fmtNumber(r.rate.median) : '';
}

function rangeCell(r: TaskResult): string {
  return r.rate ? `${fmtNumber(r.rate.min)}–${fmtNumber(r.rate.max)}` : '';
}

function runsCell(r: TaskResult): string {
  if (!r.timeMs) return '';
  return r.iterations && r.iterations > 1 ? `${r.timeMs.count}×${r.iterations}` : String(r.timeMs.count);
}

function extraCell(r: TaskResult): string {
  if (r.extra?.accuracy !== undefined) return `test accuracy ${(r.extra.accuracy * 100).toFixed(1)}%`;
  if (r.extra?.firstLoss !== undefined)
    return `loss ${r.extra.firstLoss.toFixed(3)} → ${r.extra.lastLoss!.toFixed(3)}`;
  return '';
}

/** The terminal table: one block per task, one line per subject. */
export function terminalTable(report: BenchReport): string {
  const out: string[] = [];
  for (const task of report.tasks) {
    const rows = report.results.filter((r) => r.task === task.id && r.status !== 'unavailable');
    if (!rows.length) continue;
    out.push('', `${task.title}  ${task.detail}  (${task.unit}, higher is better)`);
    const table = [
      ['  subject', 'status', task.unit, 'slowest–fastest', 'time/run', 'runs', 'rss MB', 'notes'],
      ...rows.map((r) => [
        `  ${label(r.subject)}`,
        STATUS_WORDS[r.status],
        rateCell(r),
        rangeCell(r),
        r.timeMs ? fmtTime(r.timeMs.median) : '',
        runsCell(r),
        r.memory ? fmtNumber(r.memory.peakMB) : '',
        r.status === 'ok'
          ? [extraCell(r), versusPeers(report, task, r)].filter(Boolean).join(' · ')
          : (r.reason ?? ''),
      ]),
    ];
    out.push(...columns(table, [false, false, true, true, true, true, true, false]));
  }
  return out.join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

/** The pairs the ratio table shows: our reference against every peer, and each tfjs backend against TF.js itself. */
const RATIO_PAIRS: [string, string][] = [
  ['cpu', 'tf-cpu'],
  ['cpu', 'tf-wasm'],
  ['cpu', 'convnetjs'],
  ['tfjs-cpu', 'tf-cpu'],
  ['tfjs-wasm', 'tf-wasm'],
  ['gpujs', 'tf-wasm'],
];

export function markdownReport(report: BenchReport, charts: { file: string; title: string }[]): string {
  const env = report.environment;
  const { policy } = report;
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    '# Benchmarks',
    '',
    `Our backends and the peers doing the same work on the same inputs, checked against backend-cpu before they are timed. Measured ${env.date.slice(0, 10)} on ${env.cpu} (${env.cores} cores), Node ${env.node}${env.git ? `, commit ${env.git.commit}${env.git.dirty ? ' (with uncommitted changes)' : ''}` : ''}.`,
    '',
    `> **Regenerate:** \`pnpm build && pnpm bench --out docs\` (about ${Math.ceil(report.durationSeconds / 60)} minutes here) rewrites this file, \`docs/bench/results.json\` and the charts. \`pnpm bench --quick\` is the smoke test (agreement and that every subject runs; it asserts no speed). \`pnpm bench --help\` lists the options.`,
    '',
  );
  if (report.quick)
    push('> This is a **--quick** run: small shapes, few runs. Its figures are not benchmarks.', '');
  push(
    '> **This machine is shared** with other work (builds and tests of other packages ran at the same time): figures move by ±30% between runs. Compare the ratios within one run, not absolute figures across runs.',
    `> Load average (1/5/15 min) at the start: ${env.loadAverageStart.join(' / ')}${env.loadAverageEnd ? `, at the end: ${env.loadAverageEnd.join(' / ')}` : ''}.`,
    '',
    '## Subjects',
    '',
    '| subject | kind | what | available |',
    '|---|---|---|---|',
    ...report.subjects.map(
      (s) =>
        `| ${s.label} | ${s.kind === 'ours' ? 'ours' : 'peer'} | ${md(s.description)} | ${s.available ? 'yes' : `no: ${md(s.reason ?? '')}`} |`,
    ),
    '',
    '## How it is measured',
    '',
    '- Each measurement (one task on one subject) runs in its own Node process, one after another.',
    '- Inputs are seeded and uploaded to the subject before the clock starts; each timed run ends when its result has been read back to the host (`await data()`), so lazy or asynchronous engines pay for their work.',
    `- **Agreement first.** The first run's output is compared with backend-cpu's for the same input. Kernels: every element, \`|got − ref| ≤ ${report.tolerances.kernels.rtol}·|ref| + ${report.tolerances.kernels.atol}·max|ref|\`. LeNet-5 training: the loss of every SGD step from the same initial weights on the same batches; inference: every logit, same weights (\`${report.tolerances.models.rtol}·|ref| + ${report.tolerances.models.atol}·max|ref|\`). MNIST epoch: test accuracy within 3 points of backend-cpu's and a falling loss. A subject that disagrees is reported **WRONG** and not timed.`,
    `- Then up to ${policy.warmup} warm-up run(s) (the checked run is the first; no more once a run takes over ${policy.longRunMs / 1000} s), then ${policy.runs} timed runs; the tables give the **median** rate and the rates of the slowest and fastest runs.${policy.minRunMs > 0 ? ` Kernels that take under ${policy.minRunMs} ms repeat within a run until it lasts that long (\`runs\` shows runs×calls).` : ''} The MNIST epoch warms up on one batch, which also estimates a whole epoch: a subject estimated over ${Math.round(policy.budgetMs / 1000)} s is skipped (its training speed is in the LeNet-5 training row); the others run up to ${policy.runs} epochs within that time (the first, checked epoch is also the first timed one).`,
    '- FLOPs: conv `2·N·Ho·Wo·Cout·Kh·Kw·Cin/groups` for the forward pass and for each backprop (the same multiply-adds rearranged), GEMM `2·M·N·K`. Max pooling is rated in GB/s (input read + output written, 4 bytes each).',
    "- `rss MB`: the worker process's resident-set high-water mark during the task (Node, the library, host copies of the data and the subject's buffers).",
    '- Peers are used as their users would: TF.js through `tfjs-core` ops and `tfjs-layers` models (`fit`, `predict`) with the same network rebuilt layer by layer and our initial weights loaded; ConvNetJS through its `Net` and `Trainer` (SGD, momentum 0, its batch_size 64), one sample at a time, as it works.',
    '',
  );
  for (const suite of ['kernels', 'models'] as const) {
    const tasks = report.tasks.filter((t) => t.suite === suite);
    if (!tasks.length) continue;
    push(`## ${suite === 'kernels' ? 'Kernels' : 'Models'}`, '');
    push(
      '| task | subject | result | median rate | slowest–fastest | time/run | runs | rss MB | notes, ratios vs peers |',
      '|---|---|---|--:|--:|--:|--:|--:|---|',
    );
    for (const task of tasks) {
      // Subjects that are not available at all are listed once, under Subjects.
      const rows = report.results.filter((x) => x.task === task.id && x.status !== 'unavailable');
      for (const [i, r] of rows.entries()) {
        const title = i === 0 ? `${md(task.title)} <br><sub>${md(task.detail)}</sub>` : '';
        const notes =
          r.status === 'ok'
            ? [extraCell(r), versusPeers(report, task, r)].filter(Boolean).join(' · ')
            : (r.reason ?? '');
        push(
          `| ${title} | ${label(r.subject)} | ${STATUS_WORDS[r.status]} | ${r.rate ? `**${fmtNumber(r.rate.median)}** ${task.unit}` : ''} | ${rangeCell(r)} | ${r.timeMs ? fmtTime(r.timeMs.median) : ''} | ${runsCell(r)} | ${r.memory ? fmtNumber(r.memory.peakMB) : ''} | ${md(notes)} |`,
        );
      }
    }
    push('');
  }
  const pairs = RATIO_PAIRS.filter(
    ([a, b]) =>
      report.results.some((r) => r.subject === a && r.status === 'ok') &&
      report.results.some((r) => r.subject === b && r.status === 'ok'),
  );
  if (pairs.length) {
    push(
      '## Ratios',
      '',
      'Throughput of ours over the peer on the same task (above 1x: ours is faster).',
      '',
    );
    push(
      `| task | ${pairs.map(([a, b]) => `${label(a)} / ${label(b)}`).join(' | ')} |`,
      `|---|${pairs.map(() => '--:').join('|')}|`,
    );
    for (const task of report.tasks) {
      const get = (s: string) => report.results.find((r) => r.task === task.id && r.subject === s);
      const cells = pairs.map(([a, b]) => {
        const x = ratio(get(a), get(b));
        return x === undefined ? '–' : fmtRatio(x);
      });
      push(`| ${md(task.title)} | ${cells.join(' | ')} |`);
    }
    push('');
  }
  const limits = report.results.filter((r) => r.status !== 'ok' && r.status !== 'unavailable');
  if (limits.length) {
    push('## What could not run, and why', '');
    const bySubject = new Map<string, Map<string, string[]>>();
    for (const r of limits) {
      const reasons = bySubject.get(r.subject) ?? new Map<string, string[]>();
      const key = `${STATUS_WORDS[r.status]}: ${r.reason ?? ''}`;
      reasons.set(key, [
        ...(reasons.get(key) ?? []),
        report.tasks.find((t) => t.id === r.task)?.title ?? r.task,
      ]);
      bySubject.set(r.subject, reasons);
    }
    for (const [subject, reasons] of bySubject) {
      push(`- **${label(subject)}**`);
      for (const [reason, tasks] of reasons) push(`  - ${md(tasks.join(', '))}: ${md(reason)}`);
    }
    push('');
  }
  if (charts.length) {
    push('## Charts', '', 'Log scales: the subjects differ by orders of magnitude.', '');
    for (const c of charts) push(`### ${c.title}`, '', `![${c.title}](${c.file})`, '');
  }
  push(
    '## Environment',
    '',
    `- CPU: ${env.cpu}, ${env.cores} logical cores (${env.availableParallelism} available to Node), ${env.memoryGB} GB memory`,
    `- ${env.os}; Node ${env.node} (V8 ${env.v8})`,
    `- Packages: ${Object.entries(env.packages)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')}`,
    `- Whole run: ${Math.round(report.durationSeconds)} s. Every figure, with every run's time, is in \`bench/results.json\`.`,
    '',
  );
  return lines.join('\n');
}
