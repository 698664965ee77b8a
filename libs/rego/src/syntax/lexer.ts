import { RegoParseFailure } from '../errors';

/**
 * The Rego scanner (as OPA v1/ast/internal/scanner and regorus src/lexer.rs): source text to
 * tokens with spans. Newlines are not tokens; each token records whether a newline or other
 * whitespace came before it, which is what the parser needs to separate body literals and to
 * tell `a[1]` (a reference) from `a [1]`.
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'template' | 'op' | 'eof';

export interface TemplatePart {
  /** Literal text (already unescaped) or the source of an embedded expression. */
  text: string;
  expr: boolean;
  /** Offset of the part in the source (for expressions: locations of their tokens). */
  offset: number;
}

export interface Token {
  kind: TokenKind;
  /** Identifier or operator text; number text; string value (unescaped). */
  text: string;
  offset: number;
  end: number;
  row: number;
  col: number;
  nlBefore: boolean;
  wsBefore: boolean;
  /** True for backtick strings (raw). */
  raw?: boolean;
  parts?: TemplatePart[];
}

const OPS3: string[] = [];
const OPS2 = [':=', '==', '!=', '<=', '>='];
const OPS1 = '{}[]().,;:=<>+-*/%&|';

const isIdentStart = (c: string): boolean =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

/** Tokenizes a whole module. Throws RegoParseFailure (rego_parse_error) on bad input. */
export function tokenize(
  src: string,
  file: string,
  baseOffset = 0,
  baseRow = 1,
  baseCol = 1,
  comments?: Map<number, string>,
): Token[] {
  const out: Token[] = [];
  let i = 0;
  let row = baseRow;
  let lineStart = -(baseCol - 1);
  let nl = false;
  let ws = false;
  const n = src.length;

  const fail = (msg: string, at: number, r = row, c = at - lineStart + 1): never => {
    throw new RegoParseFailure({
      code: 'rego_parse_error',
      message: msg,
      location: { file, row: r, col: c },
    });
  };

  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      row++;
      lineStart = i + 1;
      nl = true;
      ws = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      ws = true;
      i++;
      continue;
    }
    if (c === '#') {
      const from = i + 1;
      while (i < n && src[i] !== '\n') i++;
      comments?.set(row, src.slice(from, i).replace(/\r$/, ''));
      ws = true;
      continue;
    }
    const start = i;
    const tokRow = row;
    const col = i - lineStart + 1;
    const push = (kind: TokenKind, text: string, extra?: Partial<Token>): void => {
      out.push({
        kind,
        text,
        offset: start + baseOffset,
        end: i + baseOffset,
        row: tokRow,
        col,
        nlBefore: nl,
        wsBefore: ws,
        ...extra,
      });
      nl = false;
      ws = false;
    };
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src[i])) i++;
      push('ident', src.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      while (i < n && isDigit(src[i])) i++;
      if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
        i++;
        while (i < n && isDigit(src[i])) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (isDigit(src[j] ?? '')) {
          i = j;
          while (i < n && isDigit(src[i])) i++;
        }
      }
      if (i < n && (isIdentStart(src[i]) || src[i] === '.')) {
        if (src[i] === '.' && !isDigit(src[i + 1] ?? '')) {
          // `1.foo` is a number followed by a dot: let the parser complain.
        } else fail('illegal number format', start);
      }
      push('number', src.slice(start, i));
      continue;
    }
    if (c === '"') {
      i++;
      const text = readQuoted(src, i, (msg, at) => fail(msg, at));
      i = text.end;
      push('string', text.value);
      continue;
    }
    if (c === '`') {
      i++;
      const close = src.indexOf('`', i);
      if (close < 0) fail('non-terminated string', start);
      const value = src.slice(i, close);
      for (const ch of value) if (ch === '\n') row++;
      if (value.includes('\n')) lineStart = i + value.lastIndexOf('\n') + 1;
      i = close + 1;
      push('string', value, { raw: true });
      continue;
    }
    if (c === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const raw = src[i + 1] === '`';
      i += 2;
      const parts: TemplatePart[] = [];
      let lit = '';
      let litStart = i;
      for (;;) {
        if (i >= n) fail('non-terminated string', start);
        const ch = src[i];
        if ((!raw && ch === '"') || (raw && ch === '`')) {
          i++;
          break;
        }
        if (!raw && ch === '\n') fail('non-terminated string', start);
        if (ch === '\n') {
          row++;
          lineStart = i + 1;
        }
        if (ch === '\\' && src[i + 1] === '{') {
          lit += '{';
          i += 2;
          continue;
        }
        if (!raw && ch === '\\') {
          const esc = readEscape(src, i, (m, at) => fail(m, at));
          lit += esc.value;
          i = esc.end;
          continue;
        }
        if (ch === '{') {
          if (lit) parts.push({ text: lit, expr: false, offset: litStart + baseOffset });
          lit = '';
          let depth = 1;
          let j = i + 1;
          while (j < n && depth > 0) {
            const cj = src[j];
            if (cj === '"') {
              j = readQuoted(src, j + 1, (m, at) => fail(m, at)).end;
              continue;
            }
            if (cj === '`') {
              const e = src.indexOf('`', j + 1);
              j = e < 0 ? n : e + 1;
              continue;
            }
            if (cj === '{') depth++;
            else if (cj === '}') depth--;
            j++;
          }
          if (depth > 0) fail('non-terminated template expression', i);
          parts.push({ text: src.slice(i + 1, j - 1), expr: true, offset: i + 1 + baseOffset });
          i = j;
          litStart = i;
          continue;
        }
        lit += ch;
        i++;
      }
      if (lit) parts.push({ text: lit, expr: false, offset: litStart + baseOffset });
      push('template', src.slice(start, i), { parts });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (OPS2.includes(two) || OPS3.includes(two)) {
      i += 2;
      push('op', two);
      continue;
    }
    if (OPS1.includes(c)) {
      i++;
      push('op', c);
      continue;
    }
    fail(`illegal token`, start);
  }
  out.push({
    kind: 'eof',
    text: '',
    offset: n + baseOffset,
    end: n + baseOffset,
    row,
    col: n - lineStart + 1,
    nlBefore: true,
    wsBefore: true,
  });
  return out;
}

function readEscape(
  src: string,
  i: number,
  fail: (m: string, at: number) => never,
): { value: string; end: number } {
  const e = src[i + 1];
  switch (e) {
    case '"':
      return { value: '"', end: i + 2 };
    case '\\':
      return { value: '\\', end: i + 2 };
    case '/':
      return { value: '/', end: i + 2 };
    case 'b':
      return { value: '\b', end: i + 2 };
    case 'f':
      return { value: '\f', end: i + 2 };
    case 'n':
      return { value: '\n', end: i + 2 };
    case 'r':
      return { value: '\r', end: i + 2 };
    case 't':
      return { value: '\t', end: i + 2 };
    case 'u': {
      const hex = src.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('illegal escape sequence', i);
      return { value: String.fromCharCode(parseInt(hex, 16)), end: i + 6 };
    }
    default:
      return fail('illegal escape sequence', i);
  }
}

function readQuoted(
  src: string,
  i: number,
  fail: (m: string, at: number) => never,
): { value: string; end: number } {
  let value = '';
  let j = i;
  for (;;) {
    if (j >= src.length || src[j] === '\n') fail('non-terminated string', i - 1);
    const ch = src[j];
    if (ch === '"') return { value, end: j + 1 };
    if (ch === '\\') {
      const e = readEscape(src, j, fail);
      value += e.value;
      j = e.end;
      continue;
    }
    value += ch;
    j++;
  }
}
