import { type Fixture, loadFixtures } from '@cnn/conformance';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceFixtures: Fixture[];
  }
}

/** Runs in Node: loads the conformance fixtures from disk and hands them to the browser tests. */
export default function setup(project: TestProject): void {
  project.provide('conformanceFixtures', loadFixtures());
}
