import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import type { Fixture } from './fixture.js';
import { suiteCases } from './suite.js';
import { type Tolerance, type ToleranceClass, tolerances } from './tolerance.js';

export interface DescribeBackendOptions {
  /** A tolerance class name or an explicit bound (default 'cpu'). */
  tolerance?: ToleranceClass | Tolerance;
  fixturesDir?: string;
  /**
   * Fixtures already loaded (e.g. with `loadFixtures` in a vitest globalSetup and handed over with
   * `provide`/`inject`), for runtimes without `node:fs` such as vitest browser mode. Overrides `fixturesDir`.
   */
  fixtures?: readonly Fixture[];
  /** The backend to compare against on random inputs (differential tests): the reference backend. */
  reference?: () => Backend | Promise<Backend>;
  /** Only cases matching this (see `SuiteOptions.filter`). */
  filter?: string;
}

/**
 * Registers the whole conformance suite for one backend in vitest, the same cases as the CLI: every
 * fixture (forward and gradients), the first- and second-order finite-difference checks, the edge
 * semantics, the training checks and, with a reference, the differential tests. Each test also checks
 * that it leaves no tensor behind.
 */
export function describeBackend(
  name: string,
  createBackend: () => Backend | Promise<Backend>,
  options: DescribeBackendOptions = {},
): void {
  const tol =
    typeof options.tolerance === 'object' ? options.tolerance : tolerances[options.tolerance ?? 'cpu'];
  let backend: Backend;
  const get = async () => {
    backend ??= await createBackend();
    cnn.setBackend(backend);
    return backend;
  };
  const bySuite = new Map<string, ReturnType<typeof suiteCases>>();
  for (const c of suiteCases(options, tol)) {
    const list = bySuite.get(c.suite) ?? [];
    list.push(c);
    bySuite.set(c.suite, list);
  }
  for (const [suite, cases] of bySuite) {
    describe(`${name}: ${suite}`, () => {
      for (const c of cases) {
        it(c.name, async (ctx) => {
          const b = await get();
          const before = cnn.memory().numTensors;
          const result = await c.run(b);
          if (result.status === 'skip') {
            ctx.skip(result.message);
            return;
          }
          expect(result.status, result.message).toBe('pass');
          cnn.setBackend(b);
          expect(cnn.memory().numTensors, 'tensors leaked').toBe(before);
        });
      }
    });
  }
}
