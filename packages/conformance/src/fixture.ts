import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One reference case, in the JSON format of the vendored ONNX and PyTorch fixtures (see the READMEs under fixtures/). */
export interface Fixture {
  /** File name without `.json`. */
  name: string;
  /** Folder it came from (`onnx`, `torch`, or a user's folder name). */
  suite: string;
  source: string;
  op: string;
  attrs: Record<string, unknown>;
  layout?: string;
  opset?: number;
  grad?: boolean;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
}

/** One named tensor of a fixture: shape, dtype and values (and, for gradients, whose gradient it is). */
export interface FixtureTensor {
  name: string;
  shape: number[];
  dtype: string;
  data: number[];
  /** On gradient outputs: the input this is the gradient of. */
  grad_of?: string;
}

/** The fixtures shipped with this package. */
export const bundledFixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/**
 * Loads every `*.json` fixture under `dir`, recursing into sub-folders (the folder name becomes `suite`).
 * Sorted by suite and name so runs are reproducible.
 */
export function loadFixtures(dir: string = bundledFixturesDir, suite = ''): Fixture[] {
  const out: Fixture[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...loadFixtures(path, entry.name));
    else if (entry.name.endsWith('.json')) {
      let parsed: Omit<Fixture, 'name' | 'suite'>;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new Error(`fixture ${path} is not valid JSON: ${(error as Error).message}`);
      }
      if (typeof parsed.op !== 'string' || !Array.isArray(parsed.inputs) || !Array.isArray(parsed.outputs)) {
        throw new Error(`fixture ${path} lacks op/inputs/outputs`);
      }
      out.push({
        ...parsed,
        attrs: parsed.attrs ?? {},
        name: entry.name.replace(/\.json$/, ''),
        suite: suite || 'fixtures',
      });
    }
  }
  return out;
}
