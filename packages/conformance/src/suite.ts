import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import type { OpCase } from './cases.js';
import { compareBackends, differentialCases } from './differential.js';
import { edgeChecks } from './edges.js';
import { type Fixture, loadFixtures } from './fixture.js';
import { checkGradient, checkSecondOrder, gradientChecks } from './gradcheck.js';
import { type CaseResult, runFixture } from './run.js';
import type { Tolerance } from './tolerance.js';
import { trainingChecks } from './training.js';

/** Options of `runSuite` (and of the CLI): tolerance, fixtures, filter and which groups of checks run. */
export interface SuiteOptions {
  tolerance: Tolerance;
  /** A folder of fixture JSON files (default: the bundled ONNX and PyTorch fixtures). */
  fixturesDir?: string;
  /** Fixtures already loaded (for runtimes without `node:fs`, e.g. a browser); overrides `fixturesDir`. */
  fixtures?: readonly Fixture[];
  /** Only cases whose op, kernel or name contains this, case-insensitively (`maxPool` matches MaxPool). */
  filter?: string;
  /** The finite-difference checks of first and second derivatives (default true). */
  gradientChecks?: boolean;
  /** The training checks: optimizers vs PyTorch's rules, BatchNorm statistics, fit, init (default true). */
  trainingChecks?: boolean;
  /** The edge-semantics checks of the contract: zero sizes, NaN, overflow (default true). */
  edgeChecks?: boolean;
  /** A reference backend for differential tests on random inputs (the reference backend). */
  reference?: () => Backend | Promise<Backend>;
  /** Called after each case, e.g. for progress output. */
  onResult?: (result: CaseResult) => void;
}

/** One test of the suite: a fixture or a check, run on a backend. */
export interface SuiteCase {
  suite: string;
  op: string;
  name: string;
  /** Runs the case on the backend. */
  run(backend: Backend): Promise<CaseResult>;
}

/** What `runSuite` returns: every case result and the pass / fail / skip counts. */
export interface SuiteReport {
  backend: string;
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

// Our op and kernel names for the reference (ONNX) op names they differ from, so a filter matches both.
const aliases: Record<string, readonly string[]> = {
  conv: ['conv2d', 'conv2dbackpropinput', 'conv2dbackpropfilter'],
  convtranspose: ['conv2dtranspose', 'conv2dbackpropinput'],
  averagepool: ['avgpool', 'avgpool2d'],
  maxpool: ['maxpool2d'],
  gemm: ['matmul', 'dense'],
  batchnormalization: ['batchnorm'],
  globalaveragepool: ['globalavgpool'],
  softmaxcrossentropyloss: ['softmaxcrossentropy'],
  resize: ['resizebilinear', 'resizenearestneighbor'],
  pad: ['mirrorpad'],
};

const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether a case matches a filter: case-insensitive, on its op (and our names for it) and its name. */
export function matchesFilter(filter: string | undefined, op: string, name: string): boolean {
  if (!filter) return true;
  const f = normalize(filter);
  const keys = [op, name, ...(aliases[normalize(op)] ?? [])].map(normalize);
  return keys.some((k) => k.includes(f));
}

/** A check that is not a fixture: passes when `run` reports no failure; a throw is a failure too. */
function checkCase(
  suite: string,
  op: string,
  name: string,
  run: (backend: Backend) => Promise<{ failure: string | null; compared: number; worstRatio?: number }>,
): SuiteCase {
  return {
    suite,
    op,
    name,
    async run(backend) {
      let outcome: { failure: string | null; compared: number; worstRatio?: number };
      try {
        outcome = await run(backend);
      } catch (error) {
        outcome = { failure: `${name}: threw ${(error as Error).stack ?? error}`, compared: 0 };
      }
      const status = outcome.failure === null ? 'pass' : 'fail';
      const message = outcome.failure ?? undefined;
      const worstRatio = outcome.worstRatio ?? null;
      return { fixture: name, suite, op, status, message, compared: outcome.compared, worstRatio };
    },
  };
}

const opOf = (c: OpCase) => c.name.split(' ')[0]!;

/** Every case of the suite, in order, after the filter. */
export function suiteCases(
  options: Omit<SuiteOptions, 'tolerance' | 'onResult'>,
  tol: Tolerance,
): SuiteCase[] {
  const cases: SuiteCase[] = [];
  for (const fx of options.fixtures ?? loadFixtures(options.fixturesDir)) {
    cases.push({ suite: fx.suite, op: fx.op, name: fx.name, run: (backend) => runFixture(fx, backend, tol) });
  }
  if (options.gradientChecks ?? true) {
    for (const opCase of gradientChecks()) {
      cases.push(
        checkCase('finite-difference', opOf(opCase), opCase.name, async (backend) => {
          const check = await checkGradient(opCase, backend);
          return { failure: check.ok ? null : check.message, compared: check.checked };
        }),
      );
    }
    for (const opCase of gradientChecks(2)) {
      cases.push(
        checkCase('second-order', opOf(opCase), opCase.name, async (backend) => {
          const check = await checkSecondOrder(opCase, backend);
          return { failure: check.ok ? null : check.message, compared: check.checked };
        }),
      );
    }
  }
  if (options.edgeChecks ?? true) {
    for (const check of edgeChecks) {
      cases.push(
        checkCase('edge semantics', check.name.split(' ')[0]!, check.name, async (backend) => ({
          failure: await check.run(backend),
          compared: 1,
        })),
      );
    }
  }
  if (options.trainingChecks ?? true) {
    for (const check of trainingChecks) {
      cases.push(
        checkCase('training', 'optimizers, fit, init', check.name, async (backend) => ({
          failure: await check.run(backend),
          compared: 1,
        })),
      );
    }
  }
  const reference = options.reference;
  if (reference) {
    for (const opCase of differentialCases()) {
      cases.push(
        checkCase('differential', opOf(opCase), opCase.name, async (backend) => {
          const result = await compareBackends(opCase, backend, await reference(), tol);
          cnn.setBackend(backend);
          return { ...result, compared: 1 };
        }),
      );
    }
  }
  return cases.filter((c) => matchesFilter(options.filter, c.op, c.name));
}

/** Runs the whole suite on one backend; a filter that selects nothing is an error. */
export async function runSuite(backend: Backend, options: SuiteOptions): Promise<SuiteReport> {
  const cases = suiteCases(options, options.tolerance);
  if (cases.length === 0) throw new Error(`the filter '${options.filter}' selects no case`);
  const results: CaseResult[] = [];
  for (const c of cases) {
    cnn.setBackend(backend);
    const result = await c.run(backend);
    results.push(result);
    options.onResult?.(result);
  }
  return { backend: backend.name, results, ...summarize(results) };
}

/** Counts the passed, failed and skipped results. */
export function summarize(results: readonly CaseResult[]): {
  passed: number;
  failed: number;
  skipped: number;
} {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

/** The per-op table, the failures and skips with their reasons, and the final `N passed, N failed, N skipped`. */
export function formatReport(report: SuiteReport): string {
  const rows = new Map<string, { pass: number; fail: number; skip: number; worst: number | null }>();
  for (const r of report.results) {
    const key = `${r.suite}/${r.op}`;
    const row = rows.get(key) ?? { pass: 0, fail: 0, skip: 0, worst: null };
    row[r.status]++;
    if (r.worstRatio !== null && r.status !== 'skip') row.worst = Math.max(row.worst ?? 0, r.worstRatio);
    rows.set(key, row);
  }
  const header = ['suite/op', 'passed', 'failed', 'skipped', 'worst err / bound'];
  const body = [...rows].map(([key, row]) => [
    key,
    String(row.pass),
    String(row.fail),
    String(row.skip),
    row.worst === null ? '-' : `${(row.worst * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `backend: ${report.backend}`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  const skips = report.results.filter((r) => r.status === 'skip');
  if (skips.length) {
    out.push('', 'skipped:');
    for (const r of skips) out.push(`  ${r.suite}/${r.fixture}: ${r.message}`);
  }
  const failures = report.results.filter((r) => r.status === 'fail');
  if (failures.length) {
    out.push('', 'failed:');
    for (const r of failures) out.push(`  ${r.suite}/${r.fixture}: ${r.message}`);
  }
  out.push('', `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return out.join('\n');
}
