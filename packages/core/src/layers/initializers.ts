import type { Shape } from '../backend.js';
import { Random } from '../random.js';
import { sizeOf } from '../tensor.js';

/**
 * Weight initializers. Fans follow the layouts: a conv kernel `[kh, kw, in, out]` has fan-in kh*kw*in and
 * fan-out kh*kw*out; a dense kernel `[in, out]` has fan-in `in`.
 */
export type InitializerName =
  | 'zeros'
  | 'ones'
  | 'heNormal'
  | 'heUniform'
  | 'glorotNormal'
  | 'glorotUniform'
  /** PyTorch's default for conv and linear layers: U(±1/sqrt(fan_in)). */
  | 'torchDefault';

/** A weight shape's fan-in and fan-out (conv filters HWIO: `kh·kw·in`, `kh·kw·out`), as the initializers use them. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

/** Draws the initial values of a weight of `shape` from `random` (so one seed fixes every weight). */
export function initialize(
  name: InitializerName,
  shape: Shape,
  random: Random,
  fanInOverride?: number,
): Float32Array {
  const values = new Float32Array(sizeOf(shape));
  const { fanIn: computedFanIn, fanOut } = fans(shape);
  const fanIn = fanInOverride ?? computedFanIn;
  const normal = (std: number) => values.forEach((_, i) => (values[i] = random.normal(0, std)));
  const uniform = (limit: number) => values.forEach((_, i) => (values[i] = random.uniform(-limit, limit)));
  switch (name) {
    case 'zeros':
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'heNormal':
      normal(Math.sqrt(2 / fanIn));
      break;
    case 'heUniform':
      uniform(Math.sqrt(6 / fanIn));
      break;
    case 'glorotNormal':
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case 'glorotUniform':
      uniform(Math.sqrt(6 / (fanIn + fanOut)));
      break;
    case 'torchDefault':
      uniform(1 / Math.sqrt(fanIn));
      break;
    default:
      throw new Error(`unknown initializer '${name as string}'`);
  }
  return values;
}

export { Random };
