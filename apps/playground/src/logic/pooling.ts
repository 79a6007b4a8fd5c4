/** Max pooling's choice, made visible: which cell of each window won. */
import { inputCell, insideInput, type WindowGeometry } from './geometry.js';

/** For output `[oy, ox]` of channel `channel`: the window's cells and the one that holds the maximum. */
export interface PoolChoice {
  cells: [number, number][];
  /** Index into `cells` of the maximum (the first one on ties, as core's kernels pick). */
  winner: number;
  value: number;
}

/** The window of one max-pool output and its winning cell; padding cells never win. */
export function maxPoolChoice(
  g: WindowGeometry,
  input: Float32Array,
  oy: number,
  ox: number,
  channel: number,
): PoolChoice {
  const [, w, c] = g.inShape;
  const cells: [number, number][] = [];
  let winner = -1;
  let value = Number.NEGATIVE_INFINITY;
  for (let ky = 0; ky < g.kernel[0]; ky++) {
    for (let kx = 0; kx < g.kernel[1]; kx++) {
      const cell = inputCell(g, oy, ox, ky, kx);
      if (!insideInput(g, cell)) continue;
      cells.push(cell);
      const v = input[(cell[0] * w + cell[1]) * c + channel]!;
      if (v > value || winner < 0) {
        value = v;
        winner = cells.length - 1;
      }
    }
  }
  if (winner < 0)
    throw new Error(`maxPoolChoice: layer '${g.layerName}' output [${oy}, ${ox}] sees only padding`);
  return { cells, winner, value };
}

/** Every output of a max-pool channel with its winning input cell, for drawing the whole map at once. */
export function maxPoolWinners(g: WindowGeometry, input: Float32Array, channel: number): [number, number][] {
  const out: [number, number][] = [];
  for (let oy = 0; oy < g.outShape[0]; oy++) {
    for (let ox = 0; ox < g.outShape[1]; ox++) {
      const choice = maxPoolChoice(g, input, oy, ox, channel);
      out.push(choice.cells[choice.winner]!);
    }
  }
  return out;
}
