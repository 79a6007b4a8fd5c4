import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-main.js';

/** Runs the CLI in-process and captures what it prints. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn-conformance CLI', () => {
  it('--filter is case-insensitive and matches our kernel names as well as ONNX op names', async () => {
    const { code, out } = await cli('--backend', 'cpu', '--filter', 'maxPool', '--no-training-checks');
    expect(code).toBe(0);
    // the ONNX MaxPool fixtures, the torch maxpool ones, and our maxPool2d checks
    expect(out).toMatch(/^onnx\/MaxPool /m);
    expect(out).toMatch(/^torch\/MaxPool /m);
    expect(out).toMatch(/^second-order\/maxPool2d /m);
    expect(out).not.toMatch(/AveragePool|Conv /);
    expect(out).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/m);
    const conv = await cli('--backend', 'cpu', '--filter', 'CONV2D', '--no-training-checks');
    expect(conv.out).toMatch(/^onnx\/Conv /m);
  });

  it('a filter that selects nothing is a usage error (exit 2)', async () => {
    const { code, err } = await cli('--backend', 'cpu', '--filter', 'no-such-op-anywhere');
    expect(code).toBe(2);
    expect(err).toContain("the filter 'no-such-op-anywhere' selects no case");
  });

  it('an unknown backend is a load error (exit 2) naming what is registered', async () => {
    const { code, err } = await cli('--backend', 'gpu9000');
    expect(code).toBe(2);
    expect(err).toMatch(/no backend named 'gpu9000' \(registered here: .*cpu.*reference.*\)/);
  });

  it('a failing case exits 1', async () => {
    // a backend whose relu is wrong everywhere: the suite must catch it
    const broken = new URL('./fixtures/broken-backend.js', import.meta.url).pathname;
    const { code, out } = await cli('--backend', broken, '--filter', 'relu', '--no-training-checks');
    expect(code).toBe(1);
    expect(out).toMatch(/^\d+ passed, [1-9]\d* failed/m);
  });

  it('--list shows the registered backends and whether they start', async () => {
    const { code, out } = await cli('--list');
    expect(code).toBe(0);
    expect(out).toMatch(/^cpu\s+available/m);
    expect(out).toMatch(/^reference\s+available/m);
  });

  it('--help documents the exit codes', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toContain('Exit codes: 0 every case passed; 1 some case failed; 2 a usage or load error');
  });
});
