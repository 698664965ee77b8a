/**
 * regex.globs_match: whether two "globs" (the regex subset of yashtewari/glob-intersection:
 * literals, `.`, `[classes]`, escapes, each optionally followed by `*` or `+`) match a common string.
 */
import { RegexSyntaxError } from './re2';

interface CharSet {
  negated: boolean;
  ranges: Array<[number, number]>;
}
interface Token {
  set: CharSet;
  star: boolean;
}

function invalid(input: string, pos: number, what: string): RegexSyntaxError {
  return new RegexSyntaxError(`input:${input}, pos:${pos}, ${what}: the input provided is invalid`);
}

function parse(input: string): Token[] {
  const cps = Array.from(input);
  const out: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const c = cps[i];
    let set: CharSet;
    if (c === '.') {
      set = { negated: true, ranges: [] };
      i++;
    } else if (c === '\\') {
      if (i + 1 >= cps.length) throw invalid(input, i + 1, 'escape at end of input');
      const cp = cps[i + 1].codePointAt(0) as number;
      set = { negated: false, ranges: [[cp, cp]] };
      i += 2;
    } else if (c === '[') {
      i++;
      const negated = cps[i] === '^';
      if (negated) i++;
      const ranges: Array<[number, number]> = [];
      while (i < cps.length && cps[i] !== ']') {
        let lo = cps[i];
        if (lo === '\\') lo = cps[++i] ?? '';
        let hi = lo;
        if (cps[i + 1] === '-' && cps[i + 2] !== undefined && cps[i + 2] !== ']') {
          hi = cps[i + 2] === '\\' ? (cps[i + 3] ?? '') : cps[i + 2];
          i += cps[i + 2] === '\\' ? 3 : 2;
        }
        ranges.push([lo.codePointAt(0) as number, hi.codePointAt(0) as number]);
        i++;
      }
      if (i >= cps.length) throw invalid(input, i, "set-open '[' with no closing ']'");
      i++;
      set = { negated, ranges };
    } else if (c === ']') {
      throw invalid(input, i + 1, "set-close ']' with no preceding '['");
    } else if (c === '*' || c === '+') {
      throw invalid(input, i + 1, `flag '${c}' with no preceding token`);
    } else {
      const cp = c.codePointAt(0) as number;
      set = { negated: false, ranges: [[cp, cp]] };
      i++;
    }
    const q = cps[i];
    if (q === '*') {
      out.push({ set, star: true });
      i++;
    } else if (q === '+') {
      out.push({ set, star: false }, { set, star: true });
      i++;
    } else out.push({ set, star: false });
  }
  return out;
}

function covered(cp: number, ranges: Array<[number, number]>): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

function overlap(a: CharSet, b: CharSet): boolean {
  if (a.negated && b.negated) return true;
  if (!a.negated && !b.negated) {
    return a.ranges.some(([l1, h1]) => b.ranges.some(([l2, h2]) => l1 <= h2 && l2 <= h1));
  }
  const [pos, neg] = a.negated ? [b, a] : [a, b];
  for (const [lo, hi] of pos.ranges) {
    // any point of [lo, hi] not in neg's ranges? check lo, and each neg range's hi+1 inside [lo, hi]
    if (!covered(lo, neg.ranges)) return true;
    for (const [, nh] of neg.ranges)
      if (nh + 1 >= lo && nh + 1 <= hi && !covered(nh + 1, neg.ranges)) return true;
  }
  return false;
}

export function globsIntersect(g1: string, g2: string): boolean {
  const a = parse(g1);
  const b = parse(g2);
  const seen = new Set<number>();
  const stack: Array<[number, number]> = [[0, 0]];
  const w = b.length + 1;
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    const key = i * w + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    if (i < a.length && a[i].star) stack.push([i + 1, j]);
    if (j < b.length && b[j].star) stack.push([i, j + 1]);
    if (i < a.length && j < b.length && overlap(a[i].set, b[j].set)) {
      stack.push([a[i].star ? i : i + 1, b[j].star ? j : j + 1]);
    }
  }
  return false;
}
