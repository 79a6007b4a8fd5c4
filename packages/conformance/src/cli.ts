#!/usr/bin/env node
import { Command } from 'commander';
import { resolveBackend } from './resolve.js';
import { formatReport, runSuite } from './suite.js';
import { type ToleranceClass, tolerances } from './tolerance.js';

const program = new Command()
  .name('cnn-conformance')
  .description(
    'Runs the @cnn conformance suite (ONNX and PyTorch reference fixtures, gradient and training checks) on a backend.',
  )
  .requiredOption(
    '-b, --backend <module>',
    "backend: a short name ('cpu'), a package name or a module path exporting createBackend()",
  )
  .option(
    '-f, --fixtures <dir>',
    'a folder of fixture JSON files in the same format (default: the bundled ones)',
  )
  .option('--filter <text>', 'only cases whose op or name contains this')
  .option('-t, --tolerance <class>', `tolerance class: ${Object.keys(tolerances).join(', ')}`, 'cpu')
  .option('--no-gradient-checks', 'skip the finite-difference gradient checks')
  .option('--no-training-checks', 'skip the training checks (optimizers, BatchNorm statistics, fit, init)')
  .parse();

const options = program.opts<{
  backend: string;
  fixtures?: string;
  filter?: string;
  tolerance: string;
  gradientChecks: boolean;
  trainingChecks: boolean;
}>();

const tolerance = tolerances[options.tolerance as ToleranceClass];
if (!tolerance) {
  console.error(
    `unknown tolerance class '${options.tolerance}' (known: ${Object.keys(tolerances).join(', ')})`,
  );
  process.exit(2);
}

try {
  const { create } = await resolveBackend(options.backend);
  const backend = await create();
  const report = await runSuite(backend, {
    tolerance,
    fixturesDir: options.fixtures,
    filter: options.filter,
    gradientChecks: options.gradientChecks,
    trainingChecks: options.trainingChecks,
  });
  console.log(formatReport(report));
  process.exit(report.failed > 0 ? 1 : 0);
} catch (error) {
  console.error(`cnn-conformance: ${(error as Error).message}`);
  process.exit(2);
}
