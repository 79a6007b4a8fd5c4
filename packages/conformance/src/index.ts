export { adapters, type OpAdapter } from './adapters.js';
export { type InputSpec, type OpCase, opCases } from './cases.js';
export { compareBackends, differentialCases } from './differential.js';
export { type EdgeCheck, edgeChecks } from './edges.js';
export { bundledFixturesDir, type Fixture, type FixtureTensor, loadFixtures } from './fixture.js';
export { checkGradient, checkSecondOrder, type GradientCheck, gradientChecks } from './gradcheck.js';
export { resolveBackend } from './resolve.js';
export { type CaseResult, compare, runFixture, type Status, skipReason } from './run.js';
export {
  formatReport,
  matchesFilter,
  runSuite,
  type SuiteCase,
  type SuiteOptions,
  type SuiteReport,
  suiteCases,
  summarize,
} from './suite.js';
export {
  ELEMENT_STEPS,
  elementBound,
  finiteDifference,
  SUM_SIGMAS,
  type Tolerance,
  type ToleranceClass,
  tolerances,
} from './tolerance.js';
export { type TrainingCheck, trainingChecks } from './training.js';
