import { parseDurationSeconds } from '../src/lib/flags';
import { fitWidths } from '../src/lib/output';
import { formatTimestamp, isTimestamp } from '../src/lib/time';

describe('strict duration flags', () => {
  const parse = parseDurationSeconds('--timeout');

  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1d', 86400],
    ['500ms', 0.5],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parse(text)).toBe(seconds);
  });

  it.each(['soon', 'abc', '', '5 minutes', '10x', '-5', '0', '1h soon', 'h'])(
    'refuses "%s", naming the flag',
    (text) => {
      expect(() => parse(text)).toThrow(/--timeout must be/);
    },
  );
});

describe('timestamps', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');

  it('recognises ISO 8601 instants only', () => {
    expect(isTimestamp('2026-12-03T11:57:00.123Z')).toBe(true);
    expect(isTimestamp('2026-12-03T11:57:00+01:00')).toBe(true);
    expect(isTimestamp('2026-12-03')).toBe(false);
    expect(isTimestamp('npk_2026-12-03T11:57:00Z')).toBe(false);
  });

  it('says how long ago or how far ahead, for people', () => {
    const rel = (iso: string) => formatTimestamp(iso, { relative: true, now });
    expect(rel('2026-12-03T11:59:58Z')).toBe('just now');
    expect(rel('2026-12-03T11:59:00Z')).toBe('1m ago');
    expect(rel('2026-12-03T11:59:30Z')).toBe('30s ago');
    expect(rel('2026-12-03T11:57:00Z')).toBe('3m ago');
    expect(rel('2026-12-03T09:00:00Z')).toBe('3h ago');
    expect(rel('2026-12-05T12:00:00Z')).toBe('in 2d');
    expect(rel('2025-12-03T12:00:00Z')).toBe('1y ago');
  });

  it('prints ISO in UTC without milliseconds for --utc and pipes', () => {
    expect(formatTimestamp('2026-12-03T13:57:00.123+01:00', { relative: false })).toBe(
      '2026-12-03T12:57:00Z',
    );
  });
});

describe('table widths', () => {
  it('keeps narrow tables at their natural width', () => {
    expect(
      fitWidths(
        [
          ['ID', 'NAME'],
          ['1', 'laptop'],
        ],
        80,
      ),
    ).toEqual([4, 8]);
  });

  it('shrinks the widest columns first to fit the terminal', () => {
    const long = 'x'.repeat(200);
    const widths = fitWidths(
      [
        ['ID', 'MESSAGE'],
        ['abc', long],
      ],
      60,
    );
    expect(widths.reduce((a, b) => a + b, 0) + widths.length + 1).toBeLessThanOrEqual(60);
    expect(widths[0]).toBe(5);
  });
});
