import { call, set } from './call';

describe('string built-ins', () => {
  it('indexes, slices and counts by code point', () => {
    expect(call('indexof', 'héllo', 'l')).toBe(2);
    expect(call('indexof_n', 'aaa', 'aa')).toEqual([0, 1]);
    expect(call('substring', 'héllo', 1, 3)).toBe('éll');
    expect(call('substring', 'abc', 1, -1)).toBe('bc');
    expect(() => call('substring', 'abc', -1, 1)).toThrow('substring: negative offset');
    expect(() => call('indexof', 'abc', '')).toThrow('indexof: empty search character');
    expect(call('strings.count', 'cheese', 'e')).toBe(3);
    expect(call('strings.reverse', 'héllo')).toBe('olléh');
  });

  it('trims cutsets, prefixes, suffixes and Go whitespace', () => {
    expect(call('trim', '--x--', '-')).toBe('x');
    expect(call('trim_left', 'aabc', 'a')).toBe('bc');
    expect(call('trim_right', 'abcc', 'c')).toBe('ab');
    expect(call('trim_prefix', 'abc', 'ab')).toBe('c');
    expect(call('trim_suffix', 'abc', 'bc')).toBe('a');
    expect(call('trim_space', ' \t a b \n')).toBe('a b');
  });

  it('joins, splits and replaces', () => {
    expect(call('concat', '/', set('b', 'a'))).toBe('a/b');
    expect(() => call('concat', ',', ['a', 1])).toThrow(
      'concat: operand 2 must be array of strings but got array containing number',
    );
    expect(call('split', 'a,b,,c', ',')).toEqual(['a', 'b', '', 'c']);
    expect(call('replace', 'aaa', 'a', 'b')).toBe('bbb');
    expect(call('strings.replace_n', { a: '1', ab: '2' }, 'abab')).toBe('1b1b');
    expect(call('strings.any_prefix_match', ['abc', 'x'], set('ab'))).toBe(true);
    expect(call('strings.any_suffix_match', 'abc', ['zz'])).toBe(false);
  });

  it('formats integers in bases and converts to numbers', () => {
    expect(call('format_int', 255, 16)).toBe('ff');
    expect(call('format_int', -3.9, 10)).toBe('-3');
    expect(() => call('format_int', 1, 3)).toThrow(
      'format_int: operand 2 must be one of {2, 8, 10, 16}',
    );
    expect(call('to_number', '1e3')).toBe(1000);
    expect(call('to_number', true)).toBe(1);
    expect(() => call('to_number', 'abc')).toThrow(
      'strconv.ParseFloat: parsing "abc": invalid syntax',
    );
  });
});

describe('sprintf with Go fmt semantics', () => {
  it('formats numbers, strings and composite values as OPA does', () => {
    expect(call('sprintf', 'hi %02X.%02X', [127, 1])).toBe('hi 7F.01');
    expect(call('sprintf', '%.2f|%5.1f|%-4d|%04d', [3.14159, 2.25, 7, -7])).toBe(
      '3.14|  2.2|7   |-007',
    );
    expect(call('sprintf', '%v %v %v', [['a', 1, 2.5], { k: null }, set(2, 1)])).toBe(
      '["a", 1, 2.5] {"k": null} {1, 2}',
    );
    expect(call('sprintf', '%s %q %x', ['s', 'q"', 'hi'])).toBe('s "q\\"" 6869');
    expect(call('sprintf', '%e %g %v', [123456.789, 1e-7, 1e21])).toBe(
      '1.234568e+05 1e-07 1000000000000000000000',
    );
    expect(call('sprintf', '%d%%', [50])).toBe('50%');
  });

  it('prints Go placeholders for wrong verbs and argument counts', () => {
    expect(call('sprintf', '%d', ['x'])).toBe('%!d(string=x)');
    expect(call('sprintf', '%s', [3])).toBe('%!s(int=3)');
    expect(call('sprintf', '%d %d', [1])).toBe('1 %!d(MISSING)');
    expect(call('sprintf', '%d', [1, 2])).toBe('1%!(EXTRA int=2)');
  });
});

describe('regex and glob built-ins', () => {
  it('translates RE2 syntax to JavaScript', () => {
    expect(call('regex.match', '(?i)^ABC\\z', 'abc')).toBe(true);
    expect(call('regex.match', '^[[:alpha:]]+$', 'abc')).toBe(true);
    expect(call('regex.match', '^\\pL+$', 'héllo')).toBe(true);
    expect(call('regex.match', '(?P<x>a)b', 'ab')).toBe(true);
    expect(call('re_match', 'x{', 'x{')).toBe(true);
    expect(call('regex.is_valid', '++')).toBe(false);
    expect(() => call('regex.match', '[', 'x')).toThrow(/regex.match: error parsing regexp/);
  });

  it('finds, splits and replaces like Go regexp', () => {
    expect(call('regex.split', 'a*', 'baaac')).toEqual(['b', 'c']);
    expect(call('regex.find_n', 'a.', 'paranormal', 2)).toEqual(['ar', 'an']);
    expect(call('regex.find_all_string_submatch_n', 'a(x*)b', '-axxb-ab-', -1)).toEqual([
      ['axxb', 'xx'],
      ['ab', ''],
    ]);
    expect(call('regex.replace', 'foo', '(foo)', '$1$1')).toBe('foofoo');
    expect(call('regex.replace', 'ab', '(a)', '${1}x$$')).toBe('ax$b');
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).toBe(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false);
  });

  it('matches globs with delimiters, classes and alternatives', () => {
    expect(call('glob.match', '*.github.com', null, 'api.github.com')).toBe(true);
    expect(call('glob.match', '*.github.com', [], 'a.b.github.com')).toBe(false);
    expect(call('glob.match', '**.github.com', [], 'a.b.github.com')).toBe(true);
    expect(call('glob.match', '{api,www}.[a-c]?', ['.'], 'api.bz')).toBe(true);
    expect(call('glob.match', '[!a]*', ['.'], 'abc')).toBe(false);
    expect(call('glob.quote_meta', '*.github.com')).toBe('\\*.github.com');
  });
});
