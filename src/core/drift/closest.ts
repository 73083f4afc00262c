// Closest-name suggestions ("did you mean `job_id`?"). Plain Levenshtein: the names are short.

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate nearest to `name`, if near enough to be a plausible rename: at most half the
 * longer name's length apart (case-insensitive), ties broken by a shared prefix, then order.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const low = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(low, c.toLowerCase());
    if (d > Math.max(2, Math.ceil(Math.max(name.length, c.length) / 2))) continue;
    const score = d * 10 - sharedPrefix(low, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && i < 9 && a[i] === b[i]) i++;
  return i;
}
