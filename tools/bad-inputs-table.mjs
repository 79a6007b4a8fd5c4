#!/usr/bin/env node
// Writes docs/bad-inputs.md: every case of packages/conformance/src/bad-inputs.ts, run on the reference
// backend, with the error message it gets. Uses the built packages (build core, backend-reference and
// conformance first: `npx tsc -p tsconfig.build.json` in each). packages/conformance/test/bad-inputs.test.ts
// fails when the committed file differs from what this writes.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const { badInputsMarkdown, runBadInputs } = await import(
  new URL('packages/conformance/dist/bad-inputs.js', root).href
);

const results = await runBadInputs();
const out = fileURLToPath(new URL('docs/bad-inputs.md', root));
await writeFile(out, badInputsMarkdown(results));
const refused = results.filter((r) => !r.knownIssue && r.outcome === 'refused').length;
const main = results.filter((r) => !r.knownIssue).length;
console.log(
  `wrote ${out}: ${main} bad inputs (${refused} refused with an Error), ${results.length - main} known issues`,
);
if (refused !== main) {
  for (const r of results.filter((r) => !r.knownIssue && r.outcome !== 'refused'))
    console.error(`  not refused: ${r.area}: ${r.input}: ${r.outcome} ${r.errorName} ${r.message}`);
  process.exitCode = 1;
}
