import { call, callIn, context } from './call';

describe('time built-ins', () => {
  it('reads the evaluation clock', () => {
    expect(callIn(context(1_600_000_000_000_000_000n), 'time.now_ns')).toBe(1.6e18);
  });

  it('parses RFC 3339, Go layouts and durations', () => {
    expect(call('time.parse_rfc3339_ns', '2017-06-02T19:00:00.123-07:00')).toBe(
      1496455200123000000,
    );
    expect(call('time.parse_ns', '2006-01-02', '2020-02-29')).toBe(1582934400000000000);
    expect(call('time.parse_ns', 'RFC1123', 'Tue, 04 Feb 2020 10:00:00 UTC')).toBe(
      1580810400000000000,
    );
    expect(call('time.parse_ns', '3:04PM Jan 2 2006', '1:30AM Feb 3 2021')).toBe(
      1612315800000000000,
    );
    expect(() => call('time.parse_ns', '2006-01-02', '2020-02-30')).toThrow('day out of range');
    expect(() => call('time.parse_rfc3339_ns', 'nope')).toThrow(
      'parsing time "nope" as "2006-01-02T15:04:05Z07:00": cannot parse "nope" as "2006"',
    );
    expect(call('time.parse_duration_ns', '1h2m3.5s')).toBe(3723500000000);
    expect(call('time.parse_duration_ns', '-1.5µs')).toBe(-1500);
    expect(() => call('time.parse_duration_ns', '1x')).toThrow(
      'time: unknown unit "x" in duration "1x"',
    );
  });

  it('breaks instants down in time zones', () => {
    expect(call('time.date', [1700000000000000000, 'Asia/Kolkata'])).toEqual([2023, 11, 15]);
    expect(call('time.clock', 1700000000000000000)).toEqual([22, 13, 20]);
    expect(call('time.weekday', 0)).toBe('Thursday');
    expect(
      call('time.format', [
        1700000000000000000,
        'America/New_York',
        'Mon, 02 Jan 2006 15:04:05 -0700',
      ]),
    ).toBe('Tue, 14 Nov 2023 17:13:20 -0500');
    expect(call('time.format', 1500000000000000000)).toBe('2017-07-14T02:40:00Z');
    expect(() => call('time.date', [0, 'Bogus/Zone'])).toThrow('unknown time zone Bogus/Zone');
  });

  it('adds dates with Go normalization and diffs instants', () => {
    const jan31 = call('time.parse_rfc3339_ns', '2021-01-31T00:00:00Z');
    expect(call('time.format', call('time.add_date', jan31, 0, 1, 0))).toBe('2021-03-03T00:00:00Z');
    expect(call('time.diff', 1700000000000000000, 1600000000000000000)).toEqual([
      3, 2, 1, 9, 46, 40,
    ]);
  });
});

describe('units, net, semver and graph built-ins', () => {
  it('parses SI and binary units', () => {
    expect(call('units.parse', '100m')).toBe(0.1);
    expect(call('units.parse', '1.5Ki')).toBe(1536);
    expect(call('units.parse_bytes', '1.5GiB')).toBe(1610612736);
    expect(() => call('units.parse_bytes', 'GB')).toThrow(
      'units.parse_bytes: no byte amount provided',
    );
    expect(() => call('units.parse', '1 k')).toThrow(
      'units.parse: spaces not allowed in resource strings',
    );
  });

  it('matches IPv4 and IPv6 addresses against CIDRs', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(call('net.cidr_contains', '2001:db8::/32', '2001:db8:1::/48')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '2001:db8::1')).toBe(false);
    expect(call('net.cidr_intersects', '10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(call('net.cidr_is_valid', '10.0.0.0/33')).toBe(false);
    expect(call('net.cidr_expand', '192.168.1.1/31')).toEqual(['192.168.1.0', '192.168.1.1']);
    expect(() => call('net.cidr_expand', '192.168.1.1/33')).toThrow(
      'invalid CIDR address: 192.168.1.1/33',
    );
    expect(call('net.cidr_merge', ['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31'])).toEqual([
      '192.0.2.112/29',
    ]);
    expect(call('net.cidr_merge', ['2001:db8::/33', '2001:db8:8000::/33'])).toEqual([
      '2001:db8::/32',
    ]);
    expect(
      call('net.cidr_contains_matches', ['10.0.0.0/8'], { x: '10.1.1.1', y: ['192.168.1.1'] }),
    ).toEqual([[0, 'x']]);
  });

  it('validates and compares semantic versions', () => {
    expect(call('semver.is_valid', '1.2.3-rc.1+build')).toBe(true);
    expect(call('semver.is_valid', 'v1.2.3')).toBe(false);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(call('semver.compare', '2.0.0', '1.9.9')).toBe(1);
    expect(() => call('semver.compare', '1', '1.0.0')).toThrow(
      'semver.compare: operand 1: string "1" is not a valid SemVer',
    );
  });

  it('walks graphs and parses UUIDs', () => {
    expect(call('graph.reachable', { a: ['b'], b: ['c'], c: [], d: ['a'] }, ['a'])).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(call('graph.reachable_paths', { a: ['b', 'c'], b: ['c'], c: [] }, ['a'])).toEqual([
      ['a', 'b', 'c'],
      ['a', 'c'],
    ]);
    expect(call('uuid.parse', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toMatchObject({
      version: 1,
      variant: 'RFC4122',
    });
    const ctx = context();
    expect(callIn(ctx, 'uuid.rfc4122', 'a')).toBe(callIn(ctx, 'uuid.rfc4122', 'a'));
  });
});
