import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A grid of grayscale tiles as a PNG: each tile is `h x w` values, scaled to the full gray range (per tile,
 * or over all tiles), magnified `scale` times, with a 1-pixel white gap between tiles.
 */
export async function writeTileGrid(
  path: string,
  tiles: Float32Array[],
  h: number,
  w: number,
  options: { columns?: number; scale?: number; perTile?: boolean } = {},
): Promise<void> {
  const columns = options.columns ?? tiles.length;
  const scale = options.scale ?? 8;
  const rows = Math.ceil(tiles.length / columns);
  const gap = 1;
  const width = columns * (w * scale + gap) + gap;
  const height = rows * (h * scale + gap) + gap;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const range = (values: Float32Array) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi] as const;
  };
  const global = range(Float32Array.from(tiles.flatMap((t) => Array.from(t))));
  tiles.forEach((tile, t) => {
    const [lo, hi] = (options.perTile ?? true) ? range(tile) : global;
    const x0 = gap + (t % columns) * (w * scale + gap);
    const y0 = gap + Math.floor(t / columns) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const v = tile[Math.floor(y / scale) * w + Math.floor(x / scale)]!;
        const gray = hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 128;
        const i = ((y0 + y) * width + x0 + x) * 4;
        png.data[i] = gray;
        png.data[i + 1] = gray;
        png.data[i + 2] = gray;
        png.data[i + 3] = 255;
      }
    }
  });
  await writeFile(path, PNG.sync.write(png));
}

/** Loss and accuracy per epoch (train and validation: never the test set) as an SVG line chart. */
export async function writeCurves(
  path: string,
  history: { epoch: number; loss: number; accuracy?: number; valLoss?: number; valAccuracy?: number }[],
  title = 'LeNet-5 on MNIST',
): Promise<void> {
  const values = history.flatMap((h) => [
    { epoch: h.epoch, metric: 'loss', split: 'train', value: h.loss },
    { epoch: h.epoch, metric: 'loss', split: 'validation', value: h.valLoss },
    { epoch: h.epoch, metric: 'accuracy', split: 'train', value: h.accuracy },
    { epoch: h.epoch, metric: 'accuracy', split: 'validation', value: h.valAccuracy },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: values.filter((v) => v.value !== undefined) },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['loss', 'accuracy'] } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
        color: { field: 'split', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  await writeFile(path, await view.toSVG());
}
