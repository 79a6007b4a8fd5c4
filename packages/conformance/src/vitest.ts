import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { compareBackends, differentialCases } from './differential.js';
import { type Fixture, loadFixtures } from './fixture.js';
import { checkGradient, gradientChecks } from './gradcheck.js';
import { runFixture } from './run.js';
import { type Tolerance, type ToleranceClass, tolerances } from './tolerance.js';
import { trainingChecks } from './training.js';

export interface DescribeBackendOptions {
  /** A tolerance class name or an explicit bound (default 'cpu'). */
  tolerance?: ToleranceClass | Tolerance;
  fixturesDir?: string;
  /**
   * Fixtures already loaded (e.g. with `loadFixtures` in a vitest globalSetup and handed over with
   * `provide`/`inject`), for runtimes without `node:fs` such as vitest browser mode. Overrides `fixturesDir`.
   */
  fixtures?: readonly Fixture[];
  /** A backend to compare against on random inputs (differential tests), e.g. backend-cpu. */
  reference?: () => Backend | Promise<Backend>;
}

/**
 * Registers the whole conformance suite for one backend in vitest: every fixture (forward and gradients),
 * the finite-difference gradient checks, and optionally differential tests against a reference backend.
 * Each test also checks that it leaves no tensor behind.
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

  describe(`${name}: reference fixtures`, () => {
    for (const fx of options.fixtures ?? loadFixtures(options.fixturesDir)) {
      it(`${fx.suite}/${fx.name}`, async (ctx) => {
        const b = await get();
        const before = cnn.memory().numTensors;
        const result = await runFixture(fx, b, tol);
        if (result.status === 'skip') {
          ctx.skip(result.message);
          return;
        }
        expect(result.status, result.message).toBe('pass');
        expect(cnn.memory().numTensors, 'tensors leaked').toBe(before);
      });
    }
  });

  describe(`${name}: finite-difference gradient checks`, () => {
    for (const opCase of gradientChecks()) {
      it(opCase.name, async () => {
        const check = await checkGradient(opCase, await get());
        expect(check.ok, check.message).toBe(true);
      });
    }
  });

  describe(`${name}: training`, () => {
    for (const check of trainingChecks) {
      it(check.name, async () => {
        expect(await check.run(await get())).toBeNull();
      });
    }
  });

  const reference = options.reference;
  if (reference) {
    describe(`${name}: differential against a reference backend`, () => {
      for (const opCase of differentialCases()) {
        it(opCase.name, async () => {
          const subject = await get();
          const ref = await reference();
          const mismatch = await compareBackends(opCase, subject, ref, tol);
          cnn.setBackend(subject);
          expect(mismatch).toBeNull();
        });
      }
    });
  }
}
