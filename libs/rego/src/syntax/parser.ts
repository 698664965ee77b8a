import type {
  Body,
  Expr,
  ExprKind,
  Import,
  Module,
  Rule,
  RuleHead,
  Term,
  WithModifier,
} from './ast';
import { annotationsAbove } from './annotations';
import type { Token } from './lexer';
import { TermParser } from './term-parser';

export { parseNumber } from './term-parser';

/**
 * Recursive-descent parser for Rego v1 (as OPA v1/ast/parser.go, regorus src/parser.rs):
 * modules, imports, rules (else chains, functions, defaults, ref heads) and body literals
 * (some, every, not, with). Terms are parsed by TermParser.
 */
export class Parser extends TermParser {
  protected subParser(tokens: Token[], wildcardPrefix: string): TermParser {
    return new Parser(this.src, this.file, tokens, wildcardPrefix);
  }

  parseTemplateExpr(): Term {
    const start = this.tok;
    const e = this.parseLiteral();
    if (e.kind !== 'term' || e.negated) this.fail('template expression must be a term', start);
    if (e.with.length === 0) return e.term;
    // `{x with input as 1}`: evaluated as a one-element comprehension whose values are spread.
    const v: Term = { type: 'var', name: `${this.wildcardPrefix}w`, loc: e.loc };
    const body: Expr[] = [
      { kind: 'unify', lhs: v, rhs: e.term, negated: false, with: e.with, loc: e.loc },
    ];
    return { type: 'arraycomp', head: v, body, loc: e.loc, spread: true };
  }

  parseModule(): Module {
    if (!this.isWord('package')) this.fail('package expected');
    const pkgTok = this.next();
    const pkgRef = this.parseRefTerm();
    const pkg = this.refToPath(pkgRef, 'package');
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.isWord('import') && !this.dotNext()) imports.push(this.parseImport());
    while (this.tok.kind !== 'eof') {
      if (this.isWord('import') && !this.dotNext())
        this.fail('unexpected import keyword: imports must come before rules');
      if (this.isWord('package') && !this.dotNext()) this.fail('unexpected package keyword');
      rules.push(...this.parseRule());
    }
    const annotations = annotationsAbove(this.comments, pkgTok.row, 'package', this.file);
    return { file: this.file, pkg, pkgLoc: this.loc(pkgTok), imports, rules, annotations };
  }

  protected refToPath(ref: Term, what: string): string[] {
    const terms = ref.type === 'ref' ? ref.terms : [ref];
    const out: string[] = [];
    terms.forEach((t, i) => {
      if (i === 0 && t.type === 'var') out.push(t.name);
      else if (i > 0 && t.type === 'scalar' && typeof t.value === 'string') out.push(t.value);
      else this.fail(`invalid ${what} path`);
    });
    if (out[0] === 'data' && what === 'package') this.fail('package path cannot start with data');
    return out;
  }

  protected parseImport(): Import {
    const t = this.next();
    const path = this.parseRefTerm();
    let alias: string | undefined;
    if (this.isWord('as') && !this.tok.nlBefore) {
      this.next();
      if (this.tok.kind !== 'ident') this.fail('expected alias after as');
      alias = this.next().text;
    }
    const head = path.type === 'ref' ? path.terms[0] : path;
    if (head.type !== 'var' || !['data', 'input', 'future', 'rego'].includes(head.name)) {
      this.fail('invalid import path: must begin with input or data', t);
    }
    return { path, alias, loc: this.loc(t) };
  }

  /** `a.b["c"].d` with a var head and no whitespace inside. */

  protected parseRule(): Rule[] {
    const start = this.tok;
    let isDefault = false;
    if (
      this.isWord('default') &&
      !(this.isOp('.', this.peek()) && !this.peek().wsBefore) &&
      !this.isOp('[', this.peek())
    ) {
      this.next();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident') this.fail(`unexpected ${this.describe(this.tok)} token`);
    const refTerm = this.parseRefTerm();
    const ref = refTerm.type === 'ref' ? refTerm.terms : [refTerm];
    const headLoc = this.loc(start);
    const head: RuleHead = { ref, assign: false, loc: headLoc };
    if (this.isOp('(') && !this.tok.wsBefore) {
      this.next();
      this.nlSignificant.push(false);
      head.args = [];
      while (!this.isOp(')')) {
        head.args.push(this.parseTermInfix(0));
        if (!this.isOp(',')) break;
        this.next();
      }
      this.nlSignificant.pop();
      this.expectOp(')');
    }
    if (this.isWord('contains')) {
      this.next();
      head.contains = this.parseTermInfix(0);
    } else if (this.isOp(':=') || this.isOp('=')) {
      head.assign = this.next().text === ':=';
      head.value = this.parseTermInfix(0);
    }
    const rule: Rule = { head, body: [], isDefault, loc: headLoc, hasBody: false };
    rule.annotations = annotationsAbove(this.comments, start.row, 'rule', this.file);
    if (isDefault) {
      if (!head.value) this.fail('default rules must have a value');
      rule.text = this.src.slice(start.offset, this.toks[this.pos - 1].end);
      return [rule];
    }
    this.parseRuleBody(rule);
    const out: Rule[] = [rule];
    // v0-style chained bodies `p { a } { b }` are alternatives of the same rule.
    while (this.isOp('{') && !this.tok.nlBefore && !rule.elseRule) {
      const extra: Rule = { ...rule, body: this.parseBraceBody(), elseRule: undefined };
      out.push(extra);
    }
    let cur = rule;
    while (this.isWord('else') && !this.dotNext()) {
      const et = this.next();
      const eh: RuleHead = { ref: head.ref, args: head.args, assign: false, loc: this.loc(et) };
      if (this.isOp(':=') || this.isOp('=')) {
        eh.assign = this.next().text === ':=';
        eh.value = this.parseTermInfix(0);
      }
      const er: Rule = { head: eh, body: [], isDefault: false, loc: this.loc(et), hasBody: false };
      this.parseRuleBody(er);
      cur.elseRule = er;
      cur = er;
    }
    rule.text = this.src.slice(start.offset, this.toks[this.pos - 1].end);
    return out;
  }

  protected parseRuleBody(rule: Rule): void {
    if (this.isWord('if') && !this.dotNext()) {
      this.next();
      rule.hasBody = true;
      if (this.isOp('{')) {
        rule.body = this.parseBraceBodyOrTerm();
      } else {
        this.nlSignificant.push(true);
        rule.body = [this.parseLiteral()];
        this.nlSignificant.pop();
      }
    } else if (this.isOp('{') && !this.tok.nlBefore) {
      // Rego v1: the body of a rule needs `if` (v0's `p { ... }` is rejected as OPA does).
      this.fail('`if` keyword is required before rule body');
    } else {
      rule.body = [
        {
          kind: 'term',
          term: { type: 'scalar', value: true, loc: rule.loc },
          negated: false,
          with: [],
          loc: rule.loc,
        },
      ];
    }
  }

  /** After `if`, `{` may open a body or start a literal term (`if {1,2}[x]`); try the body first. */
  protected parseBraceBodyOrTerm(): Body {
    const save = this.pos;
    const saveW = this.wildcard;
    try {
      return this.parseBraceBody();
    } catch (e) {
      this.pos = save;
      this.wildcard = saveW;
      try {
        this.nlSignificant.push(true);
        return [this.parseLiteral()];
      } catch {
        throw e;
      } finally {
        this.nlSignificant.pop();
      }
    }
  }

  protected parseBraceBody(): Body {
    this.expectOp('{');
    this.nlSignificant.push(true);
    const body = this.parseQuery('}');
    this.nlSignificant.pop();
    this.expectOp('}');
    return body;
  }

  /** Literals separated by `;` or newlines, up to (not including) `end` or eof. */
  parseQuery(end: string | null): Body {
    const body: Body = [];
    for (;;) {
      while (this.isOp(';')) this.next();
      if (end !== null ? this.isOp(end) : this.tok.kind === 'eof') break;
      if (this.tok.kind === 'eof') this.fail(`unexpected eof token: expected ${end}`);
      body.push(this.parseLiteral());
      if (this.isOp(';')) continue;
      if (end !== null ? this.isOp(end) : this.atEof()) break;
      if (!this.tok.nlBefore) this.fail(`unexpected ${this.describe(this.tok)} token`);
    }
    if (body.length === 0) this.fail('found empty body');
    return body;
  }

  // ---- literals ----
  parseLiteral(): Expr {
    this.enter();
    const start = this.tok;
    let negated = false;
    let kind: ExprKind;
    if (this.isWord('not') && !this.isOp('.', this.peek())) {
      this.next();
      negated = true;
    }
    if (
      this.isWord('some') &&
      !negated &&
      !(this.isOp('.', this.peek()) && !this.peek().wsBefore)
    ) {
      this.next();
      kind = this.parseSome();
    } else if (
      this.isWord('every') &&
      !negated &&
      !(this.isOp('.', this.peek()) && !this.peek().wsBefore)
    ) {
      this.next();
      kind = this.parseEvery();
    } else {
      kind = this.parseExprKind();
    }
    const withs: WithModifier[] = [];
    while (this.isWord('with') && !this.dotNext()) {
      const wt = this.next();
      const target = this.parseRefTerm();
      if (!this.isWord('as')) this.fail('expected as keyword');
      this.next();
      const value = this.parseTermInfix(0);
      withs.push({ target, value, loc: this.loc(wt) });
    }
    this.leave();
    return { ...kind, negated, with: withs, loc: this.loc(start) } as Expr;
  }

  protected parseSome(): ExprKind {
    const first = this.parseTermInfix(1);
    const vars: Term[] = [first];
    while (this.isOp(',')) {
      this.next();
      vars.push(this.parseTermInfix(1));
    }
    if (this.isWord('in')) {
      this.next();
      if (vars.length > 2) this.fail('unexpected , token');
      const collection = this.parseTermInfix(1);
      return vars.length === 2
        ? { kind: 'somein', key: vars[0], value: vars[1], collection }
        : { kind: 'somein', value: vars[0], collection };
    }
    for (const v of vars) if (v.type !== 'var') this.fail('expected var in some declaration');
    return { kind: 'some', vars };
  }

  protected parseEvery(): ExprKind {
    let key: Term | undefined;
    let value = this.parseTermInfix(1);
    if (this.isOp(',')) {
      this.next();
      key = value;
      value = this.parseTermInfix(1);
    }
    if (!this.isWord('in')) this.fail('expected in keyword');
    this.next();
    const domain = this.parseTermInfix(1);
    const body = this.parseBraceBody();
    return { kind: 'every', key, value, domain, body };
  }

  protected parseExprKind(): ExprKind {
    let lhs = this.parseTermInfix(0);
    if (this.isOp(',') && this.nlSignificant[this.nlSignificant.length - 1]) {
      // `k, v in coll` as a membership expression.
      this.next();
      const v = this.parseTermInfix(1);
      if (!this.isWord('in')) this.fail('unexpected , token');
      this.next();
      const coll = this.parseTermInfix(1);
      lhs = {
        type: 'call',
        op: { type: 'var', name: 'internal.member_3', loc: lhs.loc },
        args: [lhs, v, coll],
        loc: lhs.loc,
      };
    }
    if ((this.isOp('=') || this.isOp(':=')) && !this.atLineBreak()) {
      const op = this.next().text;
      const rhs = this.parseTermInfix(0);
      return op === '=' ? { kind: 'unify', lhs, rhs } : { kind: 'assign', lhs, rhs };
    }
    return { kind: 'term', term: lhs };
  }

  // ---- terms ----
  /** level 0 includes `in`; level 1 starts at comparisons; level 1+k at LEVELS[k]. */
}

/** Parses one module. Throws RegoParseFailure. */
export function parseModule(source: string, file: string): Module {
  return new Parser(source, file).parseModule();
}

/** Parses a query (`data.x.y = z; count(z) > 1`). */
export function parseQuery(source: string, file = 'query'): Body {
  const p = new Parser(source, file, undefined, '$q');
  return p.parseQuery(null);
}

/** Parses one term (for `input_term` in conformance cases). */
export function parseTermText(source: string, file = 'term'): Term {
  const p = new Parser(source, file);
  const t = p.parseTermInfix(0);
  if (!p.atEof()) p.fail('unexpected token after term');
  return t;
}
