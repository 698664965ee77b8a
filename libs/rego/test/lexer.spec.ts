import { RegoParseFailure } from '../src/errors';
import { tokenize } from '../src/syntax/lexer';

const kinds = (src: string): string[] => tokenize(src, 'a.rego').map((t) => `${t.kind}:${t.text}`);

describe('Rego lexer', () => {
  it('splits identifiers, numbers, strings and operators with their spans', () => {
    const toks = tokenize('allow := x >= 1.5e3 # comment\n  y', 'a.rego');
    expect(toks.map((t) => [t.kind, t.text, t.row, t.col])).toEqual([
      ['ident', 'allow', 1, 1],
      ['op', ':=', 1, 7],
      ['ident', 'x', 1, 10],
      ['op', '>=', 1, 12],
      ['number', '1.5e3', 1, 15],
      ['ident', 'y', 2, 3],
      ['eof', '', 2, 4],
    ]);
    expect(toks[5].nlBefore).toBe(true);
    expect(toks[1].offset).toBe(6);
    expect(toks[1].end).toBe(8);
  });

  it('unescapes double-quoted strings and keeps raw strings verbatim across lines', () => {
    const toks = tokenize('"a\\n\\u00e9\\"" `x\\ny\nz`', 'a.rego');
    expect(toks[0].text).toBe('a\né"');
    expect(toks[1].text).toBe('x\\ny\nz');
    expect(toks[1].raw).toBe(true);
  });

  it('records whether whitespace precedes a token (refs versus separate terms)', () => {
    const toks = tokenize('a[1] a [1]', 'a.rego');
    expect(toks[1].wsBefore).toBe(false);
    expect(toks[5].wsBefore).toBe(true);
  });

  it('splits template strings into literal parts and expressions', () => {
    const [t] = tokenize('$"n={count(x)} \\{lit}"', 'a.rego');
    expect(t.kind).toBe('template');
    expect(t.parts?.map((p) => [p.expr, p.text])).toEqual([
      [false, 'n='],
      [true, 'count(x)'],
      [false, ' {lit}'],
    ]);
  });

  it('reports unterminated strings and illegal characters as parse errors with a location', () => {
    expect(() => tokenize('x := "abc', 'a.rego')).toThrow(RegoParseFailure);
    let failure: unknown;
    try {
      tokenize('x := 1\ny := @', 'p.rego');
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(RegoParseFailure);
    expect((failure as RegoParseFailure).info).toEqual({
      code: 'rego_parse_error',
      message: 'illegal token',
      location: { file: 'p.rego', row: 2, col: 6 },
    });
  });

  it('treats two-character operators as one token', () => {
    expect(kinds('a==b!=c<=d')).toEqual([
      'ident:a',
      'op:==',
      'ident:b',
      'op:!=',
      'ident:c',
      'op:<=',
      'ident:d',
      'eof:',
    ]);
  });
});
