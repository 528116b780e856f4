// Errors the tracker raises. Each names the thing that is wrong.

/** A sysctl / knob that is unknown, malformed or has no equivalent in the chosen profile. */
export class CtConfigError extends Error {
  constructor(
    message: string,
    readonly knob: string,
  ) {
    super(message);
    this.name = 'CtConfigError';
  }
}

/** A bad line in a saved `conntrack -L` / `dpctl/dump-conntrack` table. */
export class CtParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
    readonly text: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}\n  ${text}\n  ${' '.repeat(Math.max(0, col - 1))}^`);
    this.name = 'CtParseError';
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(3, Math.floor(word.length / 3)) ? best : undefined;
}
