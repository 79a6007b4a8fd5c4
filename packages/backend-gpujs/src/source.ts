/**
 * Pieces of generated kernel source shared by the kernel files: splitting a flat index into coordinates,
 * addresses from strides, and the uniforms that carry shapes. Generated source is gpu.js JavaScript; a
 * uniform named `x` in `KernelSpec.params` is `p_x` in the source.
 */

/** Uniform parameters `<prefix>0..<prefix>{n-1}` from a list of numbers. */
export function listParams(prefix: string, values: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  values.forEach((v, i) => (out[`${prefix}${i}`] = v));
  return out;
}

/**
 * Code that splits flat index `flat` (a variable) into coordinates `<name>0..<name>{rank-1}` of a row-major
 * shape held in uniforms `p_<dims>0..`. Every division goes through `idiv_` (exact integer quotients).
 */
export function decode(flat: string, name: string, dims: string, rank: number): string {
  if (rank === 1) return `  const ${name}0 = ${flat};\n`;
  const lines: string[] = [];
  let rest = flat;
  for (let d = rank - 1; d >= 1; d--) {
    const q = `${name}_q${d}`;
    lines.push(`  const ${q} = idiv_(${rest}, p_${dims}${d});`);
    lines.push(`  const ${name}${d} = ${rest} - ${q} * p_${dims}${d};`);
    rest = q;
  }
  lines.push(`  const ${name}0 = ${rest};`);
  return `${lines.join('\n')}\n`;
}

/** `c0 * p_s0 + c1 * p_s1 + ...`: the address of coordinates `<name>i` with strides in uniforms `p_<strides>i`. */
export function address(name: string, strides: string, rank: number): string {
  const terms: string[] = [];
  for (let d = 0; d < rank; d++) terms.push(`${name}${d} * p_${strides}${d}`);
  return terms.join(' + ');
}

/** The constants every kernel that handles IEEE edges needs (see math.ts). */
export const ieeeParams = { inf: Number.POSITIVE_INFINITY, nan: Number.NaN } as const;
