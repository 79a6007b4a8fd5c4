/** The confusion matrix: rows are true classes, columns predicted ones. */

/** Counts `[true][predicted]` and the accuracy (the diagonal over the total). */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): { counts: number[][]; accuracy: number; total: number } {
  if (predicted.length !== labels.length) {
    throw new Error(`confusionMatrix: ${predicted.length} predictions but ${labels.length} labels`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= classes || !Number.isInteger(p) || p < 0 || p >= classes) {
      throw new Error(
        `confusionMatrix: sample ${i} has label ${t} / prediction ${p}, not in [0, ${classes - 1}]`,
      );
    }
    counts[t]![p]!++;
    if (t === p) correct++;
  }
  return { counts, accuracy: labels.length ? correct / labels.length : 0, total: labels.length };
}

/** The index of the largest value in each row of a `[rows, cols]` matrix (the first on ties). */
export function argmaxRows(values: ArrayLike<number>, cols: number): number[] {
  const rows = values.length / cols;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out.push(best);
  }
  return out;
}
