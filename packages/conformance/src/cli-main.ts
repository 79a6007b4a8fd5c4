import { createRequire } from 'node:module';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { Command, CommanderError } from 'commander';
import { loadInstalledBackends, resolveBackend } from './resolve.js';
import { formatReport, runSuite } from './suite.js';
import { type ToleranceClass, tolerances } from './tolerance.js';

/**
 * The `cnn-conformance` command: parses `argv` (without the node and script entries), runs, and returns
 * the exit code: 0 every case passed, 1 a case failed, 2 a usage or load error.
 */
export async function runCli(
  argv: readonly string[],
  log: (message: string) => void = console.log,
  error: (message: string) => void = console.error,
): Promise<number> {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  const program = new Command()
    .name('cnn-conformance')
    .version(version)
    .description(
      'Runs the @cnn conformance suite on a backend: the ONNX and PyTorch reference fixtures (forward and gradients), first- and second-order finite-difference checks, the edge semantics of the contract, training checks, and differential tests against the reference backend.',
    )
    .option(
      '-b, --backend <name|module>',
      "a registered backend ('cpu', 'tfjs-wasm'; --list shows them), or a module path exporting createBackend()",
    )
    .option('--list', 'list the backends registered here and whether each is available')
    .option(
      '-f, --fixtures <dir>',
      'a folder of fixture JSON files in the same format (default: the bundled ones)',
    )
    .option(
      '--filter <text>',
      "only cases whose op, kernel or name contains this, any case ('maxPool' matches MaxPool)",
    )
    .option('-t, --tolerance <class>', `tolerance class: ${Object.keys(tolerances).join(', ')}`, 'cpu')
    .option(
      '--required-only',
      "hide the backend's optional kernels, so core composes them from the required ones",
    )
    .option('--no-gradient-checks', 'skip the finite-difference checks (first and second order)')
    .option('--no-edge-checks', 'skip the edge-semantics checks (zero sizes, NaN, overflow)')
    .option('--no-training-checks', 'skip the training checks (optimizers, BatchNorm statistics, fit, init)')
    .option('--no-differential', 'skip the differential tests against the reference backend')
    .addHelpText(
      'after',
      '\nExit codes: 0 every case passed; 1 some case failed; 2 a usage or load error (unknown backend, a filter that selects nothing, unreadable fixtures).',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => log(s.trimEnd()), writeErr: (s) => error(s.trimEnd()) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : 2;
  }

  const options = program.opts<{
    backend?: string;
    list?: boolean;
    fixtures?: string;
    filter?: string;
    tolerance: string;
    requiredOnly?: boolean;
    gradientChecks: boolean;
    edgeChecks: boolean;
    trainingChecks: boolean;
    differential: boolean;
  }>();

  const fail = (message: string): number => {
    error(`cnn-conformance: ${message}`);
    return 2;
  };

  try {
    if (options.list) {
      await loadInstalledBackends();
      for (const b of await cnn.listBackends()) {
        log(
          `${b.name.padEnd(12)} ${b.available ? 'available  ' : 'unavailable'} ${b.reason ?? b.description}`,
        );
      }
      return 0;
    }
    if (!options.backend) return fail('missing --backend <name|module> (see --list)');
    const tolerance = tolerances[options.tolerance as ToleranceClass];
    if (!tolerance)
      return fail(
        `unknown tolerance class '${options.tolerance}' (known: ${Object.keys(tolerances).join(', ')})`,
      );
    const { create } = await resolveBackend(options.backend);
    let backend = await create();
    if (options.requiredOnly) backend = cnn.withoutOptionalKernels(backend);
    const isReference = backend.name === 'reference';
    let referenceBackend: cnn.Backend | undefined;
    const report = await runSuite(backend, {
      tolerance,
      fixturesDir: options.fixtures,
      filter: options.filter,
      gradientChecks: options.gradientChecks,
      edgeChecks: options.edgeChecks,
      trainingChecks: options.trainingChecks,
      reference: options.differential && !isReference ? () => (referenceBackend ??= reference()) : undefined,
    });
    log(formatReport(report));
    return report.failed > 0 ? 1 : 0;
  } catch (e) {
    return fail((e as Error).message);
  }
}
