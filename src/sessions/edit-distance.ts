/**
 * True when `a` can be turned into `b` with at most `k` single-character insertions, deletions or
 * substitutions. Runs in O(length × k) by only filling the diagonal band of width 2k+1 and by
 * stopping as soon as a whole row exceeds k, so comparing two long, different inputs is cheap.
 */
export function withinEditDistance(a: string, b: string, k: number): boolean {
  if (a === b) return true;
  if (k <= 0 || Math.abs(a.length - b.length) > k) return false;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length === 0 || y.length === 0) return Math.max(x.length, y.length) <= k;

  const m = y.length;
  const over = k + 1;
  let prev = new Int32Array(m + 1).fill(over);
  let cur = new Int32Array(m + 1).fill(over);
  for (let j = 0; j <= Math.min(m, k); j += 1) prev[j] = j;
  for (let i = 1; i <= x.length; i += 1) {
    const lo = Math.max(1, i - k);
    const hi = Math.min(m, i + k);
    // Cells left of the band hold values from two rows ago; cells right of it were never written.
    if (lo > 1) cur[lo - 1] = over;
    cur[0] = i <= k ? i : over;
    let rowMin = cur[0];
    for (let j = lo; j <= hi; j += 1) {
      const substitute = prev[j - 1] + (x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1);
      const value = Math.min(substitute, prev[j] + 1, cur[j - 1] + 1, over);
      cur[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > k) return false;
    [prev, cur] = [cur, prev];
  }
  return prev[m] <= k;
}
