/** Drawing on canvases by hand: heat maps, line charts, bars, a matrix with its numbers. */

/** A 2-D context, or an error naming the canvas. */
export function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error(`canvas #${canvas.id}: no 2d context`);
  return ctx;
}

/** The smallest and largest finite value. */
export function range(values: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * Draws channel `channel` of an `[h, w, c]` map as gray levels (low dark, high light) at `(x, y)` with
 * `cell`-pixel squares. `diverging`: zero is mid-gray, so the sign of a weight shows as lighter/darker.
 */
export function heatmap(
  ctx: CanvasRenderingContext2D,
  values: ArrayLike<number>,
  [h, w, c]: [number, number, number],
  channel: number,
  x: number,
  y: number,
  cell: number,
  options: { diverging?: boolean; range?: [number, number] } = {},
): void {
  let [lo, hi] = options.range ?? range(values);
  if (options.diverging) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    [lo, hi] = [-m, m];
  }
  const span = hi - lo || 1;
  const image = ctx.createImageData(w, h);
  for (let r = 0; r < h; r++) {
    for (let col = 0; col < w; col++) {
      const v = values[(r * w + col) * c + channel]!;
      const g = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / span)));
      const o = (r * w + col) * 4;
      // A slight warm/cool tint for the sign (diverging), on top of the brightness that carries the value.
      image.data[o] = options.diverging && v > 0 ? Math.min(255, g + 20) : g;
      image.data[o + 1] = g;
      image.data[o + 2] = options.diverging && v < 0 ? Math.min(255, g + 40) : g;
      image.data[o + 3] = 255;
    }
  }
  if (cell === 1) {
    ctx.putImageData(image, x, y);
    return;
  }
  const tile = document.createElement('canvas');
  tile.width = w;
  tile.height = h;
  context(tile).putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, w * cell, h * cell);
}

/** One series of a line chart. */
export interface Series {
  points: [number, number][];
  style: 'line' | 'dots';
  color: string;
  width?: number;
}

/** A line chart with axes and tick labels; `y` spans `yRange`, `x` the points' extent. */
export function lineChart(
  canvas: HTMLCanvasElement,
  series: Series[],
  yRange: [number, number],
  yLabel: string,
): void {
  const ctx = context(canvas);
  const { width, height } = canvas;
  const pad = { left: 40, right: 8, top: 8, bottom: 22 };
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)] : [0, 1];
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const py = (y: number) =>
    pad.top +
    (1 - (Math.min(yRange[1], Math.max(yRange[0], y)) - yRange[0]) / (yRange[1] - yRange[0])) *
      (height - pad.top - pad.bottom);
  ctx.strokeStyle = '#888';
  ctx.fillStyle = '#333';
  ctx.font = '11px sans-serif';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.left, pad.top);
  ctx.lineTo(pad.left, height - pad.bottom);
  ctx.lineTo(width - pad.right, height - pad.bottom);
  ctx.stroke();
  for (let i = 0; i <= 4; i++) {
    const v = yRange[0] + ((yRange[1] - yRange[0]) * i) / 4;
    ctx.fillText(v.toFixed(v >= 10 ? 0 : 2), 2, py(v) + 4);
  }
  ctx.fillText(`${yLabel}; step ${x0}–${x1}`, pad.left + 4, height - 6);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width ?? 1.5;
    if (s.style === 'line') {
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
    } else {
      for (const [x, y] of s.points) {
        ctx.beginPath();
        ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
}

/** Horizontal bars, one per class, each with its label and percentage printed. */
export function probabilityBars(canvas: HTMLCanvasElement, probs: ArrayLike<number>): void {
  const ctx = context(canvas);
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const row = height / probs.length;
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
  ctx.font = `${Math.min(16, row - 4)}px sans-serif`;
  for (let i = 0; i < probs.length; i++) {
    const y = i * row;
    const p = probs[i]!;
    ctx.fillStyle = '#222';
    ctx.fillText(String(i), 4, y + row - 6);
    ctx.fillStyle = i === best ? '#0050b3' : '#8aa';
    ctx.fillRect(24, y + 3, p * (width - 90), row - 6);
    ctx.fillStyle = '#222';
    ctx.fillText(`${(p * 100).toFixed(1)}%${i === best ? ' ◀' : ''}`, width - 62, y + row - 6);
  }
}

/** A square matrix of counts: darker cells hold more, every count printed. */
export function countMatrix(canvas: HTMLCanvasElement, counts: number[][]): void {
  const ctx = context(canvas);
  const n = counts.length;
  const { width } = canvas;
  const margin = 20;
  const cell = (width - margin) / n;
  ctx.clearRect(0, 0, width, canvas.height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, canvas.height);
  const max = Math.max(1, ...counts.flat());
  ctx.font = `${Math.floor(cell / 2.6)}px sans-serif`;
  ctx.textAlign = 'center';
  for (let r = 0; r < n; r++) {
    ctx.fillStyle = '#222';
    ctx.fillText(String(r), margin / 2, margin + r * cell + cell / 1.6);
    ctx.fillText(String(r), margin + r * cell + cell / 2, margin / 1.4);
    for (let c = 0; c < n; c++) {
      const v = counts[r]![c]!;
      const shade = Math.round(255 * (1 - Math.sqrt(v / max)));
      ctx.fillStyle = `rgb(${shade},${shade},${Math.min(255, shade + 30)})`;
      ctx.fillRect(margin + c * cell, margin + r * cell, cell - 1, cell - 1);
      ctx.fillStyle = shade < 128 ? '#fff' : '#000';
      if (v) ctx.fillText(String(v), margin + c * cell + cell / 2, margin + r * cell + cell / 1.6);
    }
  }
  ctx.textAlign = 'start';
}

/** A canvas sized for a heat map grid, with an accessible label. */
export function makeCanvas(width: number, height: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.ceil(width));
  canvas.height = Math.max(1, Math.ceil(height));
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  return canvas;
}
