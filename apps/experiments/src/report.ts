import type { DataEfficiencyResult } from './data-efficiency.js';
import type { StrokeResult } from './stroke.js';
import { count, formatTable, percent } from './table.js';

export function strokeTable(result: StrokeResult): string {
  const { options, rows } = result;
  const title = [
    'Stroke (横折) detection in binary images, trained on ink in the left half only, tested on',
    `${options.testSamples} fresh images with ink in the left half (seen positions) and in the right half (unseen).`,
    `${options.trainSamples} training images, ${options.epochs} epochs, Adam lr ${options.learningRate}, seed ${options.seed}. Chance = 50%.`,
  ].join('\n');
  const table = formatTable(
    ['size', 'net', 'params', 'seen positions', 'unseen positions'],
    rows.map((r) => [
      `${r.size}x${r.size}`,
      r.description,
      count(r.params),
      percent(r.seen),
      percent(r.unseen),
    ]),
    [false, false, true, true, true],
  );
  return `${title}\n\n${table}`;
}

export function dataEfficiencyTable(result: DataEfficiencyResult): string {
  const { options, rows, params, descriptions } = result;
  const title = [
    `MNIST test accuracy on ${options.testSize} held-out digits vs training digits (seed ${options.seed}).`,
    `Both nets: Adam lr ${options.learningRate}, batch ${options.batchSize}, epochs = max(${options.minEpochs}, ceil(${options.samplesPerSize} / N)).`,
  ].join('\n');
  const table = formatTable(
    [
      'train digits',
      'epochs',
      'steps',
      `${descriptions.fc} (${count(params.fc)} w)`,
      `${descriptions.cnn} (${count(params.cnn)} w)`,
      'CNN - FC',
    ],
    rows.map((r) => [
      count(r.trainSize),
      String(r.epochs),
      count(r.steps),
      percent(r.fc),
      percent(r.cnn),
      `${r.cnn >= r.fc ? '+' : ''}${((r.cnn - r.fc) * 100).toFixed(1)}`,
    ]),
    [true, true, true, true, true, true],
  );
  return `${title}\n\n${table}`;
}
