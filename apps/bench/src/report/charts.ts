/** SVG charts of the report, rendered in Node with Vega-Lite (no browser, no canvas). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ALL_SUBJECTS } from '../subjects.js';
import type { Task } from '../tasks.js';
import { fmtNumber } from './format.js';
import type { BenchReport } from './report.js';

/** One colour per subject, the same in every chart: ours in blues/greens, the peers in warm colours. */
const COLORS: Record<string, string> = {
  cpu: '#1f77b4',
  'tfjs-cpu': '#6baed6',
  'tfjs-wasm': '#2ca02c',
  gpujs: '#9467bd',
  'tf-cpu': '#ff9896',
  'tf-wasm': '#d62728',
  convnetjs: '#ff7f0e',
};

interface Chart {
  file: string;
  title: string;
  tasks: Task[];
}

function chartsOf(report: BenchReport): Chart[] {
  const by = (pred: (t: Task) => boolean) => report.tasks.filter(pred);
  const charts: Chart[] = [
    {
      file: 'gemm.svg',
      title: 'GEMM (GFLOP/s)',
      tasks: by((t) => t.suite === 'kernels' && t.group === 'GEMM'),
    },
    {
      file: 'conv2d-forward.svg',
      title: 'conv2d forward (GFLOP/s)',
      tasks: by((t) => t.group === 'conv2d forward'),
    },
    {
      file: 'conv2d-backprop-input.svg',
      title: 'conv2d backprop input, dx (GFLOP/s)',
      tasks: by((t) => t.group === 'conv2d backprop input'),
    },
    {
      file: 'conv2d-backprop-filter.svg',
      title: 'conv2d backprop filter, dW (GFLOP/s)',
      tasks: by((t) => t.group === 'conv2d backprop filter'),
    },
    { file: 'maxpool.svg', title: 'max pooling 2x2/2 (GB/s)', tasks: by((t) => t.group === 'max pooling') },
    { file: 'models.svg', title: 'Models (samples/s)', tasks: by((t) => t.suite === 'models') },
  ];
  return charts.filter((c) => c.tasks.length > 0);
}

export function chartSpec(report: BenchReport, chart: Chart): TopLevelSpec {
  const subjects = ALL_SUBJECTS.filter((s) => report.subjects.some((r) => r.id === s.id && r.available));
  const values = chart.tasks.flatMap((task) =>
    report.results
      .filter((r) => r.task === task.id && r.status === 'ok' && r.rate)
      .map((r) => ({
        task: `${task.title}`,
        subject: ALL_SUBJECTS.find((s) => s.id === r.subject)!.label,
        rate: r.rate!.median,
        text: fmtNumber(r.rate!.median),
      })),
  );
  const subjectLabels = subjects.map((s) => s.label);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: chart.title,
      subtitle: 'median of the timed runs; log scale; missing bar: could not run (see the report)',
    },
    width: 520,
    height: { step: 11 },
    data: { values },
    encoding: {
      y: { field: 'task', type: 'nominal', sort: chart.tasks.map((t) => t.title), title: null },
      yOffset: { field: 'subject', type: 'nominal', sort: subjectLabels },
      x: {
        field: 'rate',
        type: 'quantitative',
        stack: null,
        scale: { type: 'log' },
        title: chart.tasks[0]!.unit,
      },
      color: {
        field: 'subject',
        type: 'nominal',
        title: 'subject',
        scale: { domain: subjectLabels, range: subjects.map((s) => COLORS[s.id] ?? '#888') },
      },
    },
    layer: [
      { mark: { type: 'bar' } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 8 }, encoding: { text: { field: 'text' } } },
    ],
    config: { axisY: { labelLimit: 260 } },
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes every chart into `dir`; returns them for the Markdown report (paths relative to `linkBase`). */
export async function writeCharts(
  report: BenchReport,
  dir: string,
  linkBase: string,
): Promise<{ file: string; title: string }[]> {
  await mkdir(dir, { recursive: true });
  const written: { file: string; title: string }[] = [];
  for (const chart of chartsOf(report)) {
    await writeFile(join(dir, chart.file), await renderSvg(chartSpec(report, chart)));
    written.push({ file: `${linkBase}/${chart.file}`, title: chart.title });
  }
  return written;
}
