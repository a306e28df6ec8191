// Fixed-length windows over time-series rows: a recording of one row per sensor reading
// becomes samples of `size` consecutive rows, every `stride` rows. A window never spans
// a change of label or of group (a session, a person, a file), since such a window
// would mix two recordings.

export interface WindowPlan {
  /** First row of each window. */
  starts: number[];
  /** The longest run of rows with one label and group (for the error when none fits). */
  longestRun: number;
}

/** Windows over rows 0..n-1, where `sameRun(i)` says row i continues row i-1's run. */
export function planWindows(
  n: number,
  size: number,
  stride: number,
  sameRun: (i: number) => boolean,
): WindowPlan {
  if (!(Number.isInteger(size) && size >= 1))
    throw new Error(`mote: window must be a whole number ≥ 1, got ${size}`);
  if (!(Number.isInteger(stride) && stride >= 1))
    throw new Error(`mote: stride must be a whole number ≥ 1, got ${stride}`);
  const starts: number[] = [];
  let longestRun = 0;
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && sameRun(i)) continue;
    // Rows runStart..i-1 are one run.
    longestRun = Math.max(longestRun, i - runStart);
    for (let s = runStart; s + size <= i; s += stride) starts.push(s);
    runStart = i;
  }
  return { starts, longestRun };
}
