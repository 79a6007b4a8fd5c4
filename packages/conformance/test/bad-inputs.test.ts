import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BadInputResult, badInputCases, badInputsMarkdown, runBadInputs } from '../src/bad-inputs.js';

// The table of bad inputs (docs/bad-inputs.md) is generated from src/bad-inputs.ts by
// tools/bad-inputs-table.mjs. Here every case runs: each is refused with an Error (never a TypeError or a
// RangeError, never a result), the reported known issues still misbehave (a fix moves them into the main
// table), and the committed table is what the generator writes now.

const DOC = new URL('../../../docs/bad-inputs.md', import.meta.url);

/** How a known issue misbehaves now: no Error, a wrapped engine message, or another op's name. */
const stillBroken = (r: BadInputResult) =>
  r.outcome !== 'refused' ||
  /is not iterable|Cannot read propert|is not a function/.test(r.message) ||
  /^(conv2d|matMul): /.test(r.message);

describe('the bad-input table', () => {
  let results: BadInputResult[];
  beforeAll(async () => {
    results = await runBadInputs();
  });

  it('has a case for every reproducer and fuzz class, each described once', () => {
    const cases = badInputCases();
    expect(cases.length).toBeGreaterThan(100);
    const keys = cases.map((c) => `${c.area}: ${c.input}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('every bad input is refused with an Error, never a TypeError or RangeError, never a result', () => {
    const wrong = results
      .filter((r) => !r.knownIssue && r.outcome !== 'refused')
      .map((r) => `${r.area}: ${r.input}: ${r.outcome}: ${r.errorName} ${r.message}`);
    expect(wrong).toEqual([]);
    for (const r of results.filter((r) => !r.knownIssue)) {
      expect(['Error', 'TrainingError'], `${r.input}: ${r.message}`).toContain(r.errorName);
      expect(r.message.length, r.input).toBeGreaterThan(10);
    }
  });

  it('the known issues still misbehave (when one is fixed, move it into the main table)', () => {
    const fixed = results
      .filter((r) => r.knownIssue && !stillBroken(r))
      .map((r) => `${r.input}: ${r.message}`);
    expect(fixed).toEqual([]);
  });

  it('docs/bad-inputs.md is what the generator writes now', () => {
    let committed = '';
    try {
      committed = readFileSync(DOC, 'utf8');
    } catch {}
    expect(
      committed === badInputsMarkdown(results),
      'docs/bad-inputs.md is stale: run node tools/bad-inputs-table.mjs',
    ).toBe(true);
  });
});
