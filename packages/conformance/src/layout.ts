/**
 * Host-side layout conversion between the references' layouts (NCHW activations, OIHW conv weights) and
 * ours (NHWC, HWIO). It lives here, in the harness, so kernels never see a foreign layout.
 */

/** How a reference tensor is laid out, and so how it converts to ours. */
export type Kind =
  /** Anything layout-free (vectors, matrices, broadcast operands). */
  | 'plain'
  /** Channels-first activation `[N, C, ...spatial]`; ours moves C to the end. Rank <= 2 is unchanged. */
  | 'image'
  /** Conv weight OIHW `[O, I/g, kh, kw]` (ConvTranspose: `[I, O/g, kh, kw]`); ours is HWIO `[kh, kw, I/g, O]`. */
  | 'convWeight';

/** Output axis i takes input axis perm[i]. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((a) => shape[a]!);
  const inStrides = stridesOf(shape);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

function toOursPerm(kind: Kind, rank: number): number[] | null {
  if (kind === 'image' && rank >= 3) return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
  if (kind === 'convWeight' && rank === 4) return [2, 3, 1, 0];
  return null;
}

function inverse(perm: readonly number[]): number[] {
  return perm.map((_, i) => perm.indexOf(i));
}

/** Reference layout to ours. */
export function toOurs(
  kind: Kind,
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; shape: number[] } {
  const perm = toOursPerm(kind, shape.length);
  if (!perm) return { data, shape: [...shape] };
  return { data: permute(data, shape, perm), shape: perm.map((a) => shape[a]!) };
}

/** Our layout back to the reference's; `shape` is our shape. */
export function toReference(
  kind: Kind,
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; shape: number[] } {
  const perm = toOursPerm(kind, shape.length);
  if (!perm) return { data, shape: [...shape] };
  const back = inverse(perm);
  return { data: permute(data, shape, back), shape: back.map((a) => shape[a]!) };
}
