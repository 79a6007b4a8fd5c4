#!/usr/bin/env node
// The API reference of every published package, generated from the sources by TypeDoc (one module per
// package, from its src/index.ts and doc comments) into docs/api/ as Markdown.
//
//   node tools/packaging/api-docs.mjs           write docs/api/ (root script: `pnpm docs`)
//   node tools/packaging/api-docs.mjs --check   write to a temp folder; fail on any exported symbol
//                                               without a doc comment, broken {@link}s or warnings
//
// The check is TypeDoc's own validation (notExported, invalidLink, notDocumented) with warnings treated
// as errors. Run by test.sh.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel } from 'typedoc';
import { PUBLIC_PACKAGES } from './packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'cnn-api-')) : join(root, 'docs', 'api');

const INTERNAL_TYPES = ['lossNames', 'SlotStore', 'LayerConstructor', 'Kind', 'Comparison', 'OpInputs', 'Attrs'];

// Every exported declaration needs a doc comment (their members are encouraged, not required).
const REQUIRED = ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Namespace'];

// Exports still without a doc comment when the check was introduced: the check fails on any other one, so
// the list only shrinks (delete a line once its symbol is documented).
const UNDOCUMENTED = readFileSync(join(root, 'tools/packaging/undocumented.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

const app = await Application.bootstrapWithPlugins({
  name: '@cnn API reference',
  entryPointStrategy: 'packages',
  entryPoints: PUBLIC_PACKAGES.map((p) => join(root, p.dir)),
  packageOptions: {
    entryPoints: ['src/index.ts'],
    tsconfig: 'tsconfig.build.json',
    readme: 'none',
    // what a package re-exports from @cnn/core is documented there
    excludeExternals: true,
    validation: { notExported: true, invalidLink: true, notDocumented: true },
    // Types that appear in the public API but are not exported from the package's index (naming them
    // here keeps them visible; exporting them is the fix). Listed in the report of the packaging work.
    intentionallyNotExported: INTERNAL_TYPES,
    requiredToBeDocumented: REQUIRED,
    intentionallyNotDocumented: UNDOCUMENTED,
    disableSources: true,
    disableGit: true,
    sourceLinkTemplate: '{path}#L{line}',
  },
  plugin: ['typedoc-plugin-markdown'],
  out,
  readme: 'none',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  disableSources: true,
  disableGit: true,
  sourceLinkTemplate: '{path}#L{line}',
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  intentionallyNotExported: INTERNAL_TYPES,
  requiredToBeDocumented: REQUIRED,
  intentionallyNotDocumented: UNDOCUMENTED,
  treatWarningsAsErrors: false,
  treatValidationWarningsAsErrors: check,
  // with --check only the failures: each package is converted on its own, so the shared lists above
  // would otherwise be reported as unused once per package
  logLevel: LogLevel.Warn,
});

// The validation messages, counted here (in packages mode TypeDoc reports them as plain warnings).
const VALIDATION = /does not have any documentation|but not included in the documentation|Failed to resolve link/;
const validationProblems = [];
const log = app.logger.log.bind(app.logger);
app.logger.log = (message, level) => {
  const text = String(message);
  if (VALIDATION.test(text)) validationProblems.push(text);
  else if (check && /intentionally not (documented|exported)|git remote|relative path/.test(text)) return;
  log(message, level);
};

const project = await app.convert();
if (!project) {
  console.error('api-docs: TypeDoc could not convert the sources');
  process.exit(1);
}
app.validate(project);
const problems = app.logger.errorCount + (check ? validationProblems.length : 0);
if (!problems) await app.generateOutputs(project);
if (check) rmSync(out, { recursive: true, force: true });
if (problems) {
  console.error(
    `api-docs: ${problems} problem(s): every exported symbol needs a doc comment (tools/packaging/undocumented.txt lists the ${UNDOCUMENTED.length} older ones still without)`,
  );
  process.exit(1);
}
console.log(
  check
    ? `api-docs: no undocumented export beyond the ${UNDOCUMENTED.length} listed in tools/packaging/undocumented.txt`
    : `api-docs: written to ${out}`,
);
