import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import { loadFixtures } from './fixture.js';
import { checkGradient, gradientChecks } from './gradcheck.js';
import { type CaseResult, runFixture } from './run.js';
import type { Tolerance } from './tolerance.js';
import { trainingChecks } from './training.js';

export interface SuiteOptions {
  tolerance: Tolerance;
  /** A folder of fixture JSON files (default: the bundled ONNX and PyTorch fixtures). */
  fixturesDir?: string;
  /** Only fixtures whose op or name contains this. */
  filter?: string;
  /** Also run the finite-difference gradient checks (default true). */
  gradientChecks?: boolean;
  /** Also run the training checks: optimizers vs PyTorch's rules, BatchNorm statistics, fit, init (default true). */
  trainingChecks?: boolean;
  onResult?: (result: CaseResult) => void;
}

export interface SuiteReport {
  backend: string;
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** Runs every fixture, the gradient checks and the training checks on one backend. */
export async function runSuite(backend: Backend, options: SuiteOptions): Promise<SuiteReport> {
  cnn.setBackend(backend);
  const fixtures = loadFixtures(options.fixturesDir).filter(
    (fx) => !options.filter || fx.op.includes(options.filter) || fx.name.includes(options.filter),
  );
  const results: CaseResult[] = [];
  const push = (r: CaseResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  for (const fx of fixtures) push(await runFixture(fx, backend, options.tolerance));
  const wanted = (name: string) => !options.filter || name.includes(options.filter);
  if (options.gradientChecks ?? true) {
    for (const opCase of gradientChecks().filter((c) => wanted(c.name))) {
      push(
        await runCheck('finite-difference', 'gradient check', opCase.name, async () => {
          const check = await checkGradient(opCase, backend);
          return { failure: check.ok ? null : check.message, compared: check.checked };
        }),
      );
    }
  }
  if (options.trainingChecks ?? true) {
    for (const check of trainingChecks.filter((c) => wanted(c.name))) {
      push(
        await runCheck('training', 'optimizers, fit, init', check.name, async () => ({
          failure: await check.run(backend),
          compared: 1,
        })),
      );
    }
  }
  return { backend: backend.name, results, ...summarize(results) };
}

/** A check that is not a fixture: passes when `run` reports no failure; a throw is a failure too. */
async function runCheck(
  suite: string,
  op: string,
  name: string,
  run: () => Promise<{ failure: string | null; compared: number }>,
): Promise<CaseResult> {
  let outcome: { failure: string | null; compared: number };
  try {
    outcome = await run();
  } catch (error) {
    outcome = { failure: `${name}: threw ${(error as Error).message}`, compared: 0 };
  }
  return {
    fixture: name,
    suite,
    op,
    status: outcome.failure === null ? 'pass' : 'fail',
    message: outcome.failure ?? undefined,
    compared: outcome.compared,
    worstRatio: 0,
  };
}

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
  const rows = new Map<string, { pass: number; fail: number; skip: number; worst: number }>();
  for (const r of report.results) {
    const key = `${r.suite}/${r.op}`;
    const row = rows.get(key) ?? { pass: 0, fail: 0, skip: 0, worst: 0 };
    row[r.status]++;
    row.worst = Math.max(row.worst, r.worstRatio);
    rows.set(key, row);
  }
  const header = ['suite/op', 'passed', 'failed', 'skipped', 'worst err / tol'];
  const body = [...rows].map(([key, row]) => [
    key,
    String(row.pass),
    String(row.fail),
    String(row.skip),
    row.pass + row.fail ? `${(row.worst * 100).toFixed(1)}%` : '-',
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
