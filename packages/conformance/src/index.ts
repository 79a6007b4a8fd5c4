export { adapters, type OpAdapter } from './adapters.js';
export { compareBackends, type DifferentialCase, differentialCases } from './differential.js';
export { bundledFixturesDir, type Fixture, type FixtureTensor, loadFixtures } from './fixture.js';
export { checkGradient, type GradientCheck, gradientChecks } from './gradcheck.js';
export { resolveBackend } from './resolve.js';
export { type CaseResult, compare, runFixture, type Status, skipReason } from './run.js';
export { formatReport, runSuite, type SuiteOptions, type SuiteReport, summarize } from './suite.js';
export { finiteDifference, type Tolerance, type ToleranceClass, tolerances } from './tolerance.js';
export { type TrainingCheck, trainingChecks } from './training.js';
