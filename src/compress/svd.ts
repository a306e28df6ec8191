// Thin singular value decomposition by one-sided Jacobi (Hestenes): column pairs of A are
// rotated until orthogonal; the column norms are then the singular values. Accurate, no
// dependencies, and fast enough for the dense layers of a microcontroller model.

export interface Svd {
  /** rows × k, column-major by singular vector: u[j * rows + i]. */
  u: Float64Array;
  /** k singular values, descending. */
  s: Float64Array;
  /** cols × k: v[j * cols + i]. */
  v: Float64Array;
  rows: number;
  cols: number;
}

/** SVD of the row-major `rows × cols` matrix `a`. */
export function svd(a: ArrayLike<number>, rows: number, cols: number, sweeps = 30): Svd {
  if (a.length !== rows * cols) throw new Error(`svd: ${a.length} values for ${rows}×${cols}`);
  if (rows < cols) {
    const t = transposeOf(a, rows, cols);
    const r = svd(t, cols, rows, sweeps);
    return { u: r.v, s: r.s, v: r.u, rows, cols };
  }
  // Work on columns: col[j] holds column j of A (length rows); vt accumulates the rotations.
  const col = Array.from({ length: cols }, (_, j) =>
    Float64Array.from({ length: rows }, (_, i) => a[i * cols + j]),
  );
  const vcol = Array.from({ length: cols }, (_, j) => {
    const e = new Float64Array(cols);
    e[j] = 1;
    return e;
  });
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < cols - 1; p++) {
      for (let q = p + 1; q < cols; q++) {
        const x = col[p];
        const y = col[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < rows; i++) {
          alpha += x[i] * x[i];
          beta += y[i] * y[i];
          gamma += x[i] * y[i];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(x, y, c, s);
        rotate(vcol[p], vcol[q], c, s);
      }
    }
    if (off < 1e-12) break;
  }
  const norms = col.map((c) => Math.hypot(...c));
  const order = norms.map((_, j) => j).sort((i, j) => norms[j] - norms[i]);
  const u = new Float64Array(rows * cols);
  const v = new Float64Array(cols * cols);
  const s = new Float64Array(cols);
  order.forEach((j, k) => {
    s[k] = norms[j];
    for (let i = 0; i < rows; i++) u[k * rows + i] = norms[j] > 0 ? col[j][i] / norms[j] : 0;
    v.set(vcol[j], k * cols);
  });
  return { u, s, v, rows, cols };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

function transposeOf(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** Smallest rank whose singular values keep `energy` (0..1] of the sum of their squares. */
export function rankForEnergy(s: Float64Array, energy: number): number {
  const total = s.reduce((a, x) => a + x * x, 0);
  let acc = 0;
  for (let k = 0; k < s.length; k++) {
    acc += s[k] * s[k];
    if (acc >= energy * total - 1e-12 * total) return k + 1;
  }
  return s.length;
}
