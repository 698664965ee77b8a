import { RegoParseFailure } from '../errors';
import type { Body, Loc, Term } from './ast';
import { tokenize, type Token } from './lexer';
import { neg, numberFromText, type Num } from '../number';

/**
 * The term half of the Rego parser (OPA v1/ast/parser.go parseTerm*): infix operators by
 * precedence, refs, calls, composite literals, comprehensions and template strings. The
 * statement half (modules, rules, literals) extends it in parser.ts.
 *
 * Operator precedence, loosest first (OPA's parseTermIn .. parseTermFactor):
 * `in`, comparisons (== != < <= > >=), `|`, `&`, `+ -`, `* / %`.
 * Nesting is bounded (MAX_DEPTH) so hostile input is a parse error, not a blown stack.
 */
const MAX_DEPTH = 200;

export const KEYWORDS = new Set([
  'as',
  'default',
  'else',
  'false',
  'import',
  'package',
  'not',
  'null',
  'true',
  'with',
  'some',
  'in',
  'every',
  'contains',
  'if',
]);

const INFIX: Record<string, string> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '|': 'or',
  '&': 'and',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
};
const LEVELS: string[][] = [
  ['==', '!=', '<', '<=', '>', '>='],
  ['|'],
  ['&'],
  ['+', '-'],
  ['*', '/', '%'],
];

export abstract class TermParser {
  protected toks: Token[];
  protected pos = 0;
  protected depth = 0;
  protected wildcard = 0;
  /** Stack: are newlines literal separators here (bodies) or not (inside brackets)? */
  protected nlSignificant: boolean[] = [true];
  /** While parsing the first term of `[...]`/`{...}`, a `|` starts a comprehension body. */
  protected noOr = false;
  /** Comment text by row (METADATA annotations). */
  protected readonly comments = new Map<number, string>();

  constructor(
    protected readonly src: string,
    protected readonly file: string,
    tokens?: Token[],
    protected readonly wildcardPrefix = '$',
  ) {
    this.toks = tokens ?? tokenize(src, file, 0, 1, 1, this.comments);
  }

  /** Literals separated by `;` or newlines, up to `end` (comprehension bodies need it). */
  abstract parseQuery(end: string | null): Body;

  /** The expression of a template part: a term, optionally with `with` modifiers. */
  abstract parseTemplateExpr(): Term;

  /** A parser for the expression of a template string part. */
  protected abstract subParser(tokens: Token[], wildcardPrefix: string): TermParser;

  protected get tok(): Token {
    return this.toks[this.pos];
  }
  protected peek(k = 1): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }
  protected loc(t: Token = this.tok): Loc {
    return { file: this.file, row: t.row, col: t.col };
  }
  protected isOp(text: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === text;
  }
  protected isWord(text: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text === text;
  }
  protected next(): Token {
    const t = this.tok;
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  fail(msg: string, t: Token = this.tok): never {
    throw new RegoParseFailure({ code: 'rego_parse_error', message: msg, location: this.loc(t) });
  }
  protected expectOp(text: string): Token {
    if (!this.isOp(text))
      this.fail(
        this.tok.kind === 'eof'
          ? `unexpected eof token: expected ${text}`
          : `unexpected ${this.describe(this.tok)} token: expected ${text}`,
      );
    return this.next();
  }
  protected describe(t: Token): string {
    if (t.kind === 'eof') return 'eof';
    if (t.kind === 'ident') return KEYWORDS.has(t.text) ? t.text + ' keyword' : 'ident';
    if (t.kind === 'op') return t.text;
    return t.kind;
  }
  /** `kw.x` / `kw[x]`: a keyword used as the head of a reference. */
  protected dotNext(): boolean {
    const n = this.peek();
    return (this.isOp('.', n) || this.isOp('[', n)) && !n.wsBefore;
  }
  /** A newline before the current token ends the current literal (in bodies). */
  protected atLineBreak(): boolean {
    return this.tok.nlBefore && this.nlSignificant[this.nlSignificant.length - 1];
  }
  protected enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('maximum nesting depth exceeded');
  }
  protected leave(): void {
    this.depth--;
  }

  // ---- module ----

  protected parseRefTerm(): Term {
    if (this.tok.kind !== 'ident')
      this.fail(`unexpected ${this.describe(this.tok)} token: expected ref`);
    const t = this.next();
    const head: Term = { type: 'var', name: t.text, loc: this.loc(t) };
    const terms: Term[] = [head];
    for (;;) {
      if (this.isOp('.') && !this.tok.wsBefore) {
        this.next();
        if (this.tok.kind !== 'ident')
          this.fail(`unexpected ${this.describe(this.tok)} token: expected ident`);
        const k = this.next();
        terms.push({ type: 'scalar', value: k.text, loc: this.loc(k) });
      } else if (this.isOp('[') && !this.tok.wsBefore) {
        this.next();
        this.nlSignificant.push(false);
        terms.push(this.parseTermInfix(0));
        this.nlSignificant.pop();
        this.expectOp(']');
      } else break;
    }
    return terms.length === 1 ? head : { type: 'ref', terms, loc: head.loc };
  }

  // ---- rules ----

  parseTermInfix(level: number): Term {
    this.enter();
    let t: Term;
    if (level === 0) {
      t = this.parseTermInfix(1);
      while (this.isWord('in') && !this.atLineBreak()) {
        this.next();
        const rhs = this.parseTermInfix(1);
        t = {
          type: 'call',
          op: { type: 'var', name: 'internal.member_2', loc: t.loc },
          args: [t, rhs],
          loc: t.loc,
        };
      }
    } else if (level > LEVELS.length) {
      t = this.parseTerm();
    } else {
      const ops = LEVELS[level - 1];
      t = this.parseTermInfix(level + 1);
      while (
        this.tok.kind === 'op' &&
        ops.includes(this.tok.text) &&
        !this.atLineBreak() &&
        !(this.noOr && this.tok.text === '|')
      ) {
        const opTok = this.next();
        const rhs = this.parseTermInfix(level + 1);
        t = {
          type: 'call',
          op: { type: 'var', name: INFIX[opTok.text], loc: this.loc(opTok) },
          args: [t, rhs],
          loc: t.loc,
        };
      }
    }
    this.leave();
    return t;
  }

  protected parseTerm(): Term {
    this.enter();
    const t = this.tok;
    const loc = this.loc(t);
    let term: Term;
    switch (t.kind) {
      case 'number':
        this.next();
        term = { type: 'scalar', value: parseNumber(t.text), loc };
        break;
      case 'string':
        this.next();
        term = { type: 'scalar', value: t.text, loc };
        break;
      case 'template':
        this.next();
        term = this.parseTemplate(t);
        break;
      case 'ident':
        this.next();
        if (
          (t.text === 'true' || t.text === 'false' || t.text === 'null') &&
          (this.isOp('.') || this.isOp('[')) &&
          !this.tok.wsBefore
        )
          term = { type: 'var', name: t.text, loc };
        else if (t.text === 'true' || t.text === 'false')
          term = { type: 'scalar', value: t.text === 'true', loc };
        else if (t.text === 'null') term = { type: 'scalar', value: null, loc };
        else if (t.text === '_')
          term = { type: 'var', name: `${this.wildcardPrefix}${this.wildcard++}`, loc };
        else {
          if (
            KEYWORDS.has(t.text) &&
            !((this.isOp('.') || this.isOp('[') || this.isOp('(')) && !this.tok.wsBefore)
          ) {
            this.fail(`unexpected ${t.text} keyword`, t);
          }
          term = { type: 'var', name: t.text, loc };
        }
        break;
      case 'op': {
        const saved = this.noOr;
        this.noOr = false;
        try {
          term = this.parseOpTerm(t, loc);
        } finally {
          this.noOr = saved;
        }
        break;
      }
      default:
        this.fail(t.kind === 'eof' ? 'unexpected eof token' : `unexpected ${t.kind} token`);
    }
    term = this.parsePostfix(term);
    this.leave();
    return term;
  }

  protected parseOpTerm(t: Token, loc: Loc): Term {
    switch (t.text) {
      case '(': {
        this.next();
        this.nlSignificant.push(false);
        let inner = this.parseTermInfix(0);
        if (this.isOp(',')) {
          // `(k, v in coll)`: membership with key.
          this.next();
          const v = this.parseTermInfix(1);
          if (!this.isWord('in')) this.fail('unexpected , token');
          this.next();
          const coll = this.parseTermInfix(1);
          inner = {
            type: 'call',
            op: { type: 'var', name: 'internal.member_3', loc },
            args: [inner, v, coll],
            loc,
          };
        }
        this.nlSignificant.pop();
        this.expectOp(')');
        return inner;
      }
      case '[':
        return this.parseArray(loc);
      case '{':
        return this.parseBraces(loc);
      case '-': {
        const nt = this.peek();
        if (nt.kind === 'number' && !nt.wsBefore) {
          this.next();
          this.next();
          return { type: 'scalar', value: neg(parseNumber(nt.text)), loc };
        }
        this.next();
        const operand = this.parseTerm();
        return {
          type: 'call',
          op: { type: 'var', name: 'minus', loc },
          args: [{ type: 'scalar', value: 0, loc }, operand],
          loc,
        };
      }
      default:
        return this.fail(`unexpected ${t.text} token`);
    }
  }

  protected parsePostfix(term: Term): Term {
    let terms: Term[] | null = term.type === 'ref' ? [...term.terms] : null;
    let cur = term;
    for (;;) {
      if (this.isOp('.') && !this.tok.wsBefore) {
        this.next();
        if (this.tok.kind !== 'ident')
          this.fail(`unexpected ${this.describe(this.tok)} token: expected ident`);
        const k = this.next();
        terms = terms ?? [cur];
        terms.push({ type: 'scalar', value: k.text, loc: this.loc(k) });
        cur = { type: 'ref', terms, loc: term.loc };
      } else if (this.isOp('[') && !this.tok.wsBefore) {
        this.next();
        this.nlSignificant.push(false);
        const key = this.parseTermInfix(0);
        this.nlSignificant.pop();
        this.expectOp(']');
        terms = terms ?? [cur];
        terms.push(key);
        cur = { type: 'ref', terms, loc: term.loc };
      } else if (
        this.isOp('(') &&
        !this.tok.wsBefore &&
        (cur.type === 'var' || cur.type === 'ref')
      ) {
        this.next();
        this.nlSignificant.push(false);
        const args: Term[] = [];
        while (!this.isOp(')')) {
          args.push(this.parseTermInfix(0));
          if (!this.isOp(',')) break;
          this.next();
        }
        this.nlSignificant.pop();
        this.expectOp(')');
        // `set()` is the empty set literal.
        if (cur.type === 'var' && cur.name === 'set' && args.length === 0)
          cur = { type: 'set', items: [], loc: cur.loc };
        else cur = { type: 'call', op: cur, args, loc: cur.loc };
        terms = null;
      } else break;
    }
    return cur;
  }

  protected parseArray(loc: Loc): Term {
    this.next();
    this.nlSignificant.push(false);
    if (this.isOp(']')) {
      this.nlSignificant.pop();
      this.next();
      return { type: 'array', items: [], loc };
    }
    const first = this.parseHeadTerm();
    if (this.isOp('|')) {
      this.next();
      const body = this.parseCompBody(']');
      this.nlSignificant.pop();
      this.expectOp(']');
      return { type: 'arraycomp', head: first, body, loc };
    }
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp(']')) break;
      items.push(this.parseTermInfix(0));
    }
    this.nlSignificant.pop();
    this.expectOp(']');
    return { type: 'array', items, loc };
  }

  protected parseHeadTerm(): Term {
    const saved = this.noOr;
    this.noOr = true;
    try {
      return this.parseTermInfix(0);
    } finally {
      this.noOr = saved;
    }
  }

  protected parseCompBody(end: string): Body {
    this.nlSignificant.push(true);
    const body = this.parseQuery(end);
    this.nlSignificant.pop();
    return body;
  }

  protected parseBraces(loc: Loc): Term {
    this.next();
    this.nlSignificant.push(false);
    try {
      if (this.isOp('}')) {
        this.next();
        return { type: 'object', items: [], loc };
      }
      const first = this.parseHeadTerm();
      if (this.isOp(':')) {
        this.next();
        const v = this.parseHeadTerm();
        if (this.isOp('|')) {
          this.next();
          const body = this.parseCompBody('}');
          this.expectOp('}');
          return { type: 'objectcomp', key: first, value: v, body, loc };
        }
        const items: [Term, Term][] = [[first, v]];
        while (this.isOp(',')) {
          this.next();
          if (this.isOp('}')) break;
          const k = this.parseTermInfix(0);
          this.expectOp(':');
          items.push([k, this.parseTermInfix(0)]);
        }
        this.expectOp('}');
        return { type: 'object', items, loc };
      }
      if (this.isOp('|')) {
        this.next();
        const body = this.parseCompBody('}');
        this.expectOp('}');
        return { type: 'setcomp', head: first, body, loc };
      }
      const items = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.isOp('}')) break;
        items.push(this.parseTermInfix(0));
      }
      this.expectOp('}');
      return { type: 'set', items, loc };
    } finally {
      this.nlSignificant.pop();
    }
  }

  protected parseTemplate(t: Token): Term {
    const loc = this.loc(t);
    const parts: (string | Term)[] = [];
    for (const p of t.parts ?? []) {
      if (!p.expr) {
        parts.push(p.text);
        continue;
      }
      const before = this.src.slice(0, p.offset);
      const row = before.split('\n').length;
      const col = p.offset - before.lastIndexOf('\n');
      const toks = tokenize(p.text, this.file, p.offset, row, col);
      const sub = this.subParser(toks, `${this.wildcardPrefix}t${this.wildcard++}_`);
      sub.depth = this.depth;
      sub.nlSignificant = [false];
      if (sub.tok.kind === 'eof') this.fail('empty template expression', t);
      const term = sub.parseTemplateExpr();
      if (!sub.atEof()) sub.fail(`unexpected ${sub.describe(sub.tok)} token`);
      parts.push(term);
    }
    return { type: 'template', parts, loc };
  }

  atEof(): boolean {
    return this.tok.kind === 'eof';
  }
}

/** A number literal, exact (a BigNum when a double does not hold it). */
export function parseNumber(text: string): Num {
  return numberFromText(text) ?? Number(text);
}
