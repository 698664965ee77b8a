/**
 * GraphQL documents as OPA sees them: the AST of Go's vektah/gqlparser (v2.4.8, which OPA vendors
 * in internal/gqlparser), its lexer and parser (same tokens, same error messages and positions),
 * the JSON shape OPA hands to Rego (gqlparser's field names, `Position` dropped, null and empty
 * values pruned) and the way back from such an object (Go's json.Unmarshal into the structs).
 */

export interface Position {
  line: number;
  column: number;
}

/** gqlparser's ValueKind numbering. */
export const enum ValueKind {
  Variable = 0,
  Int = 1,
  Float = 2,
  String = 3,
  Block = 4,
  Boolean = 5,
  Null = 6,
  Enum = 7,
  List = 8,
  Object = 9,
}

export interface GqlType {
  NamedType: string;
  Elem?: GqlType;
  NonNull: boolean;
  Position?: Position;
}

export interface ChildValue {
  Name: string;
  Value?: GqlValue;
  Position?: Position;
}

export interface GqlValue {
  Raw: string;
  Children?: ChildValue[];
  Kind: number;
  Position?: Position;
}

export interface Argument {
  Name: string;
  Value?: GqlValue;
  Position?: Position;
}

export interface Directive {
  Name: string;
  Arguments?: Argument[];
  Position?: Position;
}

export interface Field {
  kind: 'Field';
  Alias: string;
  Name: string;
  Arguments?: Argument[];
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface FragmentSpread {
  kind: 'FragmentSpread';
  Name: string;
  Directives?: Directive[];
  Position?: Position;
}

export interface InlineFragment {
  kind: 'InlineFragment';
  TypeCondition: string;
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export type Selection = Field | FragmentSpread | InlineFragment;

export interface VariableDefinition {
  Variable: string;
  Type?: GqlType;
  DefaultValue?: GqlValue;
  Directives?: Directive[];
  Position?: Position;
}

export interface OperationDefinition {
  Operation: string;
  Name: string;
  VariableDefinitions?: VariableDefinition[];
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface FragmentDefinition {
  Name: string;
  VariableDefinition?: VariableDefinition[];
  TypeCondition: string;
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface QueryDocument {
  Operations?: OperationDefinition[];
  Fragments?: FragmentDefinition[];
}

export interface ArgumentDefinition {
  Description: string;
  Name: string;
  DefaultValue?: GqlValue;
  Type?: GqlType;
  Directives?: Directive[];
  Position?: Position;
}

export interface FieldDefinition {
  Description: string;
  Name: string;
  Arguments?: ArgumentDefinition[];
  DefaultValue?: GqlValue;
  Type?: GqlType;
  Directives?: Directive[];
  Position?: Position;
}

export interface EnumValueDefinition {
  Description: string;
  Name: string;
  Directives?: Directive[];
  Position?: Position;
}

export interface Definition {
  Kind: string;
  Description: string;
  Name: string;
  Directives?: Directive[];
  Interfaces?: string[];
  Fields?: FieldDefinition[];
  Types?: string[];
  EnumValues?: EnumValueDefinition[];
  Position?: Position;
  BuiltIn: boolean;
}

export interface OperationTypeDefinition {
  Operation: string;
  Type: string;
  Position?: Position;
}

export interface SchemaDefinition {
  Description: string;
  Directives?: Directive[];
  OperationTypes?: OperationTypeDefinition[];
  Position?: Position;
}

export interface DirectiveDefinition {
  Description: string;
  Name: string;
  Arguments?: ArgumentDefinition[];
  Locations?: string[];
  IsRepeatable: boolean;
  Position?: Position;
}

export interface SchemaDocument {
  Schema?: SchemaDefinition[];
  SchemaExtension?: SchemaDefinition[];
  Directives?: DirectiveDefinition[];
  Definitions?: Definition[];
  Extensions?: Definition[];
}

/** A gqlparser error: message and position (line:column), as gqlerror.ErrorLocf. */
export class GqlError extends Error {
  constructor(
    message: string,
    readonly position?: Position,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer (gqlparser lexer/lexer.go). Works on code points: gqlparser counts columns in runes.

const enum T {
  Invalid,
  EOF,
  Bang,
  Dollar,
  Amp,
  ParenL,
  ParenR,
  Spread,
  Colon,
  Equals,
  At,
  BracketL,
  BracketR,
  BraceL,
  BraceR,
  Pipe,
  Name,
  Int,
  Float,
  String,
  BlockString,
}

const KIND_NAMES: Record<T, string> = {
  [T.Invalid]: '<Invalid>',
  [T.EOF]: '<EOF>',
  [T.Bang]: '!',
  [T.Dollar]: '$',
  [T.Amp]: '&',
  [T.ParenL]: '(',
  [T.ParenR]: ')',
  [T.Spread]: '...',
  [T.Colon]: ':',
  [T.Equals]: '=',
  [T.At]: '@',
  [T.BracketL]: '[',
  [T.BracketR]: ']',
  [T.BraceL]: '{',
  [T.BraceR]: '}',
  [T.Pipe]: '|',
  [T.Name]: 'Name',
  [T.Int]: 'Int',
  [T.Float]: 'Float',
  [T.String]: 'String',
  [T.BlockString]: 'BlockString',
};

interface Token {
  kind: T;
  value: string;
  pos: Position;
}

/** Go's strconv.Quote for the strings that appear in tokens. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

function tokenString(t: Token): string {
  return t.value !== '' ? `${KIND_NAMES[t.kind]} ${goQuote(t.value)}` : KIND_NAMES[t.kind];
}

const PUNCT: Record<number, T> = {
  0x21: T.Bang,
  0x24: T.Dollar,
  0x26: T.Amp,
  0x28: T.ParenL,
  0x29: T.ParenR,
  0x3a: T.Colon,
  0x3d: T.Equals,
  0x40: T.At,
  0x5b: T.BracketL,
  0x5d: T.BracketR,
  0x7b: T.BraceL,
  0x7d: T.BraceR,
  0x7c: T.Pipe,
};

const isNameStart = (c: number): boolean =>
  c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function fromCodes(cps: number[], start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCodePoint(...cps.slice(i, Math.min(end, i + 4096)));
  }
  return s;
}

class LexError {
  constructor(readonly error: GqlError) {}
}

class Lexer {
  private readonly input: number[];
  private start = 0;
  private end = 0;
  private line = 1;
  private lineStart = 0;

  constructor(src: string) {
    this.input = Array.from(src, (ch) => ch.codePointAt(0) as number);
  }

  private token(kind: T, value: string): Token {
    return {
      kind,
      value,
      pos: { line: this.line, column: this.start - this.lineStart + 1 },
    };
  }

  private error(message: string): [Token, LexError] {
    const column = this.end - this.lineStart + 1;
    const pos = { line: this.line, column };
    return [{ kind: T.Invalid, value: '', pos }, new LexError(new GqlError(message, pos))];
  }

  /** The next token, and the lexer error that token stands for (if it is Invalid). */
  read(): [Token, LexError | undefined] {
    for (;;) {
      this.ws();
      this.start = this.end;
      if (this.end >= this.input.length) return [this.token(T.EOF, ''), undefined];
      const r = this.input[this.start];
      this.end++;
      const p = PUNCT[r];
      if (p !== undefined) return [this.token(p, ''), undefined];
      if (r === 0x2e) {
        if (this.input[this.start + 1] === 0x2e && this.input[this.start + 2] === 0x2e) {
          this.end += 2;
          return [this.token(T.Spread, ''), undefined];
        }
      } else if (r === 0x23) {
        this.readComment();
        continue;
      } else if (isNameStart(r)) {
        while (this.end < this.input.length) {
          const c = this.input[this.end];
          if (isNameStart(c) || isDigit(c)) this.end++;
          else break;
        }
        return [this.token(T.Name, fromCodes(this.input, this.start, this.end)), undefined];
      } else if (r === 0x2d || isDigit(r)) {
        return this.readNumber();
      } else if (r === 0x22) {
        if (this.input[this.start + 1] === 0x22 && this.input[this.start + 2] === 0x22) {
          return this.readBlockString();
        }
        return this.readString();
      }
      this.end--;
      if (r < 0x20 && r !== 0x09 && r !== 0x0a && r !== 0x0d) {
        return this.error(
          `Cannot contain the invalid character "\\u${String(r).padStart(4, '0')}"`,
        );
      }
      if (r === 0x27) {
        return this.error(
          `Unexpected single quote character ('), did you mean to use a double quote (")?`,
        );
      }
      return this.error(`Cannot parse the unexpected character "${String.fromCodePoint(r)}".`);
    }
  }

  private ws(): void {
    while (this.end < this.input.length) {
      const c = this.input[this.end];
      if (c === 0x09 || c === 0x20 || c === 0x2c || c === 0xfeff) {
        this.end++;
      } else if (c === 0x0a) {
        this.end++;
        this.line++;
        this.lineStart = this.end;
      } else if (c === 0x0d) {
        this.end++;
        this.line++;
        this.lineStart = this.end;
        if (this.input[this.end] === 0x0a) this.end++;
      } else return;
    }
  }

  private readComment(): void {
    while (this.end < this.input.length) {
      const r = this.input[this.end];
      if (r > 0x1f || r === 0x09) this.end++;
      else break;
    }
  }

  private acceptDigits(): number {
    let n = 0;
    while (this.end < this.input.length && isDigit(this.input[this.end])) {
      this.end++;
      n++;
    }
    return n;
  }

  private accept(...cs: number[]): boolean {
    if (this.end < this.input.length && cs.includes(this.input[this.end])) {
      this.end++;
      return true;
    }
    return false;
  }

  private describeNext(): string {
    return this.end < this.input.length
      ? `"${String.fromCodePoint(this.input[this.end])}"`
      : '<EOF>';
  }

  private readNumber(): [Token, LexError | undefined] {
    let float = false;
    this.end--;
    this.accept(0x2d);
    if (this.accept(0x30)) {
      const consumed = this.acceptDigits();
      if (consumed !== 0) {
        this.end -= consumed;
        return this.error(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.acceptDigits() === 0) {
      return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept(0x2e)) {
      float = true;
      if (this.acceptDigits() === 0) {
        return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
      }
    }
    if (this.accept(0x65, 0x45)) {
      float = true;
      this.accept(0x2d, 0x2b);
      if (this.acceptDigits() === 0) {
        return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
      }
    }
    const text = fromCodes(this.input, this.start, this.end);
    return [this.token(float ? T.Float : T.Int, text), undefined];
  }

  private readString(): [Token, LexError | undefined] {
    const input = this.input;
    let buf: string | undefined;
    this.start++;
    while (this.end < input.length) {
      const r = input[this.end];
      if (r === 0x0a || r === 0x0d) break;
      if (r < 0x20 && r !== 0x09) {
        return this.error(`Invalid character within String: "\\u${String(r).padStart(4, '0')}".`);
      }
      if (r === 0x22) {
        const t = this.token(T.String, buf ?? fromCodes(input, this.start, this.end));
        this.end++;
        return [t, undefined];
      }
      if (r === 0x5c) {
        if (this.end + 1 >= input.length) {
          this.end++;
          return this.error('Invalid character escape sequence.');
        }
        if (buf === undefined) buf = fromCodes(input, this.start, this.end);
        const esc = input[this.end + 1];
        if (esc === 0x75) {
          if (this.end + 6 >= input.length) {
            this.end++;
            return this.error(
              `Invalid character escape sequence: \\${fromCodes(input, this.end, input.length)}.`,
            );
          }
          const hex = fromCodes(input, this.end + 2, this.end + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.end++;
            return this.error(
              `Invalid character escape sequence: \\${fromCodes(input, this.end, this.end + 5)}.`,
            );
          }
          buf += String.fromCharCode(parseInt(hex, 16));
          this.end += 6;
        } else {
          const map: Record<number, string> = {
            0x22: '"',
            0x2f: '/',
            0x5c: '\\',
            0x62: '\b',
            0x66: '\f',
            0x6e: '\n',
            0x72: '\r',
            0x74: '\t',
          };
          const ch = map[esc];
          if (ch === undefined) {
            this.end++;
            return this.error(`Invalid character escape sequence: \\${String.fromCodePoint(esc)}.`);
          }
          buf += ch;
          this.end += 2;
        }
        continue;
      }
      if (buf !== undefined) buf += String.fromCodePoint(r);
      this.end++;
    }
    return this.error('Unterminated string.');
  }

  private readBlockString(): [Token, LexError | undefined] {
    const input = this.input;
    let buf = '';
    this.start += 3;
    this.end += 2;
    while (this.end < input.length) {
      const r = input[this.end];
      if (r === 0x22 && input[this.end + 1] === 0x22 && input[this.end + 2] === 0x22) {
        // gqlparser takes the line of the closing quotes and the column of the opening ones.
        const t = this.token(T.BlockString, blockStringValue(buf));
        this.end += 3;
        return [t, undefined];
      }
      if (r < 0x20 && r !== 0x09 && r !== 0x0a && r !== 0x0d) {
        return this.error(`Invalid character within String: "\\u${String(r).padStart(4, '0')}".`);
      }
      if (
        r === 0x5c &&
        input[this.end + 1] === 0x22 &&
        input[this.end + 2] === 0x22 &&
        input[this.end + 3] === 0x22
      ) {
        buf += '"""';
        this.end += 4;
      } else if (r === 0x0d) {
        if (input[this.end + 1] === 0x0a) this.end++;
        buf += '\n';
        this.end++;
        this.line++;
        this.lineStart = this.end;
      } else {
        buf += String.fromCodePoint(r);
        this.end++;
        if (r === 0x0a) {
          this.line++;
          this.lineStart = this.end;
        }
      }
    }
    return this.error('Unterminated string.');
  }
}

/** gqlparser's blockStringValue (the spec's BlockStringValue()). */
export function blockStringValue(raw: string): string {
  const lines = raw.split(/\r\n|[\n\r]/);
  const leading = (l: string): number => {
    let i = 0;
    while (i < l.length && (l[i] === ' ' || l[i] === '\t')) i++;
    return i;
  };
  let common = Infinity;
  for (let i = 1; i < lines.length; i++) {
    const indent = leading(lines[i]);
    if (indent < lines[i].length && indent < common) {
      common = indent;
      if (common === 0) break;
    }
  }
  if (common !== Infinity) {
    for (let i = 1; i < lines.length; i++) {
      lines[i] = lines[i].length < common ? '' : lines[i].slice(common);
    }
  }
  const blank = (l: string): boolean => leading(l) === l.length;
  let start = 0;
  let end = lines.length;
  while (start < end && blank(lines[start])) start++;
  while (start < end && blank(lines[end - 1])) end--;
  return lines.slice(start, end).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Parser (gqlparser parser/*.go). The first error ends parsing (gqlparser keeps only the first).

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY',
  'MUTATION',
  'SUBSCRIPTION',
  'FIELD',
  'FRAGMENT_DEFINITION',
  'FRAGMENT_SPREAD',
  'INLINE_FRAGMENT',
  'VARIABLE_DEFINITION',
  'SCHEMA',
  'SCALAR',
  'OBJECT',
  'FIELD_DEFINITION',
  'ARGUMENT_DEFINITION',
  'INTERFACE',
  'UNION',
  'ENUM',
  'ENUM_VALUE',
  'INPUT_OBJECT',
  'INPUT_FIELD_DEFINITION',
]);

class Parser {
  private readonly lexer: Lexer;
  private peeked: [Token, LexError | undefined] | undefined;
  private prev: Token = { kind: T.Invalid, value: '', pos: { line: 0, column: 0 } };

  constructor(src: string) {
    this.lexer = new Lexer(src);
  }

  peek(): Token {
    if (!this.peeked) this.peeked = this.lexer.read();
    return this.peeked[0];
  }

  peekPos(): Position {
    return this.peek().pos;
  }

  next(): Token {
    const [tok, err] = this.peeked ?? this.lexer.read();
    this.peeked = undefined;
    if (err) throw err.error;
    this.prev = tok;
    return tok;
  }

  fail(tok: Token, message: string): never {
    throw new GqlError(message, tok.pos);
  }

  expectKeyword(value: string): Token {
    const tok = this.peek();
    if (tok.kind === T.Name && tok.value === value) return this.next();
    return this.fail(tok, `Expected ${goQuote(value)}, found ${tokenString(tok)}`);
  }

  expect(kind: T): Token {
    const tok = this.peek();
    if (tok.kind === kind) return this.next();
    return this.fail(tok, `Expected ${KIND_NAMES[kind]}, found ${KIND_NAMES[tok.kind]}`);
  }

  skip(kind: T): boolean {
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }

  unexpected(tok: Token = this.peek()): never {
    return this.fail(tok, `Unexpected ${tokenString(tok)}`);
  }

  many(start: T, end: T, cb: () => void): void {
    if (!this.skip(start)) return;
    while (this.peek().kind !== end) cb();
    this.next();
  }

  some(start: T, end: T, cb: () => void): void {
    if (!this.skip(start)) return;
    let called = false;
    while (this.peek().kind !== end) {
      called = true;
      cb();
    }
    if (!called) {
      this.fail(
        this.peek(),
        `expected at least one definition, found ${KIND_NAMES[this.peek().kind]}`,
      );
    }
    this.next();
  }

  parseName(): string {
    return this.expect(T.Name).value;
  }

  // ---- query documents

  parseQueryDocument(): QueryDocument {
    const doc: QueryDocument = {};
    while (this.peek().kind !== T.EOF) {
      const tok = this.peek();
      if (tok.kind === T.Name) {
        if (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription') {
          (doc.Operations ??= []).push(this.parseOperationDefinition());
        } else if (tok.value === 'fragment') {
          (doc.Fragments ??= []).push(this.parseFragmentDefinition());
        } else this.unexpected();
      } else if (tok.kind === T.BraceL) {
        (doc.Operations ??= []).push(this.parseOperationDefinition());
      } else this.unexpected();
    }
    return doc;
  }

  parseOperationDefinition(): OperationDefinition {
    if (this.peek().kind === T.BraceL) {
      const Position = this.peekPos();
      return {
        Operation: 'query',
        Name: '',
        SelectionSet: this.parseRequiredSelectionSet(),
        Position,
      };
    }
    const Position = this.peekPos();
    const Operation = this.parseOperationType();
    let Name = '';
    if (this.peek().kind === T.Name) Name = this.next().value;
    const VariableDefinitions = this.parseVariableDefinitions();
    const Directives = this.parseDirectives(false);
    const SelectionSet = this.parseRequiredSelectionSet();
    return { Operation, Name, VariableDefinitions, Directives, SelectionSet, Position };
  }

  parseOperationType(): string {
    const tok = this.next();
    if (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription') {
      return tok.value;
    }
    return this.unexpected(tok);
  }

  parseVariableDefinitions(): VariableDefinition[] | undefined {
    let defs: VariableDefinition[] | undefined;
    this.many(T.ParenL, T.ParenR, () => (defs ??= []).push(this.parseVariableDefinition()));
    return defs;
  }

  parseVariableDefinition(): VariableDefinition {
    const Position = this.peekPos();
    const Variable = this.parseVariable();
    this.expect(T.Colon);
    const Type = this.parseTypeReference();
    const DefaultValue = this.skip(T.Equals) ? this.parseValueLiteral(true) : undefined;
    const Directives = this.parseDirectives(false);
    return { Variable, Type, DefaultValue, Directives, Position };
  }

  parseVariable(): string {
    this.expect(T.Dollar);
    return this.parseName();
  }

  parseOptionalSelectionSet(): Selection[] | undefined {
    let sels: Selection[] | undefined;
    this.some(T.BraceL, T.BraceR, () => (sels ??= []).push(this.parseSelection()));
    return sels;
  }

  parseRequiredSelectionSet(): Selection[] | undefined {
    if (this.peek().kind !== T.BraceL) {
      this.fail(this.peek(), `Expected {, found ${KIND_NAMES[this.peek().kind]}`);
    }
    return this.parseOptionalSelectionSet();
  }

  parseSelection(): Selection {
    return this.peek().kind === T.Spread ? this.parseFragment() : this.parseField();
  }

  parseField(): Field {
    const Position = this.peekPos();
    const Alias = this.parseName();
    const Name = this.skip(T.Colon) ? this.parseName() : Alias;
    const Arguments = this.parseArguments(false);
    const Directives = this.parseDirectives(false);
    const SelectionSet =
      this.peek().kind === T.BraceL ? this.parseOptionalSelectionSet() : undefined;
    return { kind: 'Field', Alias, Name, Arguments, Directives, SelectionSet, Position };
  }

  parseArguments(isConst: boolean): Argument[] | undefined {
    let args: Argument[] | undefined;
    this.many(T.ParenL, T.ParenR, () => {
      const Position = this.peekPos();
      const Name = this.parseName();
      this.expect(T.Colon);
      (args ??= []).push({ Name, Value: this.parseValueLiteral(isConst), Position });
    });
    return args;
  }

  parseFragment(): Selection {
    this.expect(T.Spread);
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value !== 'on') {
      const Position = this.peekPos();
      const Name = this.parseFragmentName();
      return { kind: 'FragmentSpread', Name, Directives: this.parseDirectives(false), Position };
    }
    const Position = this.peekPos();
    let TypeCondition = '';
    if (this.peek().value === 'on') {
      this.next();
      TypeCondition = this.parseName();
    }
    const Directives = this.parseDirectives(false);
    const SelectionSet = this.parseRequiredSelectionSet();
    return { kind: 'InlineFragment', TypeCondition, Directives, SelectionSet, Position };
  }

  parseFragmentDefinition(): FragmentDefinition {
    const Position = this.peekPos();
    this.expectKeyword('fragment');
    const Name = this.parseFragmentName();
    const VariableDefinition = this.parseVariableDefinitions();
    this.expectKeyword('on');
    const TypeCondition = this.parseName();
    const Directives = this.parseDirectives(false);
    const SelectionSet = this.parseRequiredSelectionSet();
    return { Name, VariableDefinition, TypeCondition, Directives, SelectionSet, Position };
  }

  parseFragmentName(): string {
    if (this.peek().value === 'on') this.unexpected();
    return this.parseName();
  }

  parseValueLiteral(isConst: boolean): GqlValue {
    const tok = this.peek();
    let kind: ValueKind;
    switch (tok.kind) {
      case T.BracketL:
      case T.BraceL: {
        const list = tok.kind === T.BracketL;
        const Children: ChildValue[] = [];
        this.many(tok.kind, list ? T.BracketR : T.BraceR, () => {
          if (list) {
            Children.push({ Name: '', Value: this.parseValueLiteral(isConst) });
          } else {
            const Position = this.peekPos();
            const Name = this.parseName();
            this.expect(T.Colon);
            Children.push({ Name, Value: this.parseValueLiteral(isConst), Position });
          }
        });
        return {
          Raw: '',
          Children: Children.length ? Children : undefined,
          Kind: list ? ValueKind.List : ValueKind.Object,
          Position: tok.pos,
        };
      }
      case T.Dollar:
        if (isConst) this.unexpected();
        return { Raw: this.parseVariable(), Kind: ValueKind.Variable, Position: tok.pos };
      case T.Int:
        kind = ValueKind.Int;
        break;
      case T.Float:
        kind = ValueKind.Float;
        break;
      case T.String:
        kind = ValueKind.String;
        break;
      case T.BlockString:
        kind = ValueKind.Block;
        break;
      case T.Name:
        kind =
          tok.value === 'true' || tok.value === 'false'
            ? ValueKind.Boolean
            : tok.value === 'null'
              ? ValueKind.Null
              : ValueKind.Enum;
        break;
      default:
        return this.unexpected();
    }
    this.next();
    return { Raw: tok.value, Kind: kind, Position: tok.pos };
  }

  parseDirectives(isConst: boolean): Directive[] | undefined {
    let dirs: Directive[] | undefined;
    while (this.peek().kind === T.At) {
      this.expect(T.At);
      const Position = this.peekPos();
      const Name = this.parseName();
      (dirs ??= []).push({ Name, Arguments: this.parseArguments(isConst), Position });
    }
    return dirs;
  }

  parseTypeReference(): GqlType {
    let typ: GqlType;
    if (this.skip(T.BracketL)) {
      const Position = this.peekPos();
      const Elem = this.parseTypeReference();
      this.expect(T.BracketR);
      typ = { NamedType: '', Elem, NonNull: false, Position };
    } else {
      const Position = this.peekPos();
      typ = { NamedType: this.parseName(), NonNull: false, Position };
    }
    if (this.skip(T.Bang)) {
      typ.Position = this.peekPos();
      typ.NonNull = true;
    }
    return typ;
  }

  // ---- schema documents

  parseSchemaDocument(builtIn: boolean): SchemaDocument {
    const doc: SchemaDocument = {};
    while (this.peek().kind !== T.EOF) {
      let description = '';
      if (this.peek().kind === T.BlockString || this.peek().kind === T.String) {
        description = this.next().value;
      }
      if (this.peek().kind !== T.Name) this.unexpected();
      switch (this.peek().value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          (doc.Definitions ??= []).push(this.parseTypeSystemDefinition(description, builtIn));
          break;
        case 'schema':
          (doc.Schema ??= []).push(this.parseSchemaDefinition(description));
          break;
        case 'directive':
          (doc.Directives ??= []).push(this.parseDirectiveDefinition(description));
          break;
        case 'extend':
          if (description !== '') this.unexpected(this.prev);
          this.parseTypeSystemExtension(doc, builtIn);
          break;
        default:
          this.unexpected();
      }
    }
    return doc;
  }

  parseDescription(): string {
    const tok = this.peek();
    if (tok.kind !== T.BlockString && tok.kind !== T.String) return '';
    return this.next().value;
  }

  private definition(kind: string, description: string, builtIn: boolean): Definition {
    const Position = this.peekPos();
    return {
      Kind: kind,
      Description: description,
      Name: this.parseName(),
      Position,
      BuiltIn: builtIn,
    };
  }

  parseTypeSystemDefinition(description: string, builtIn: boolean): Definition {
    const word = this.peek().value;
    this.expectKeyword(word);
    switch (word) {
      case 'scalar': {
        const def = this.definition('SCALAR', description, builtIn);
        def.Directives = this.parseDirectives(true);
        return def;
      }
      case 'type':
      case 'interface': {
        const def = this.definition(word === 'type' ? 'OBJECT' : 'INTERFACE', description, builtIn);
        def.Interfaces = this.parseImplementsInterfaces();
        def.Directives = this.parseDirectives(true);
        def.Fields = this.parseFieldsDefinition();
        return def;
      }
      case 'union': {
        const def = this.definition('UNION', description, builtIn);
        def.Directives = this.parseDirectives(true);
        def.Types = this.parseUnionMemberTypes();
        return def;
      }
      case 'enum': {
        const def = this.definition('ENUM', description, builtIn);
        def.Directives = this.parseDirectives(true);
        def.EnumValues = this.parseEnumValuesDefinition();
        return def;
      }
      default: {
        const def = this.definition('INPUT_OBJECT', description, builtIn);
        def.Directives = this.parseDirectives(true);
        def.Fields = this.parseInputFieldsDefinition();
        return def;
      }
    }
  }

  parseSchemaDefinition(description: string): SchemaDefinition {
    this.expectKeyword('schema');
    const Position = this.peekPos();
    const def: SchemaDefinition = { Description: description, Position };
    def.Directives = this.parseDirectives(true);
    this.some(T.BraceL, T.BraceR, () =>
      (def.OperationTypes ??= []).push(this.parseOperationTypeDefinition()),
    );
    return def;
  }

  parseOperationTypeDefinition(): OperationTypeDefinition {
    const Position = this.peekPos();
    const Operation = this.parseOperationType();
    this.expect(T.Colon);
    return { Operation, Type: this.parseName(), Position };
  }

  parseImplementsInterfaces(): string[] | undefined {
    if (this.peek().value !== 'implements') return undefined;
    this.next();
    this.skip(T.Amp);
    const types = [this.parseName()];
    while (this.skip(T.Amp)) types.push(this.parseName());
    return types;
  }

  parseFieldsDefinition(): FieldDefinition[] | undefined {
    let defs: FieldDefinition[] | undefined;
    this.some(T.BraceL, T.BraceR, () => {
      const Position = this.peekPos();
      const Description = this.parseDescription();
      const Name = this.parseName();
      const Arguments = this.parseArgumentDefs();
      this.expect(T.Colon);
      const Type = this.parseTypeReference();
      const Directives = this.parseDirectives(true);
      (defs ??= []).push({ Description, Name, Arguments, Type, Directives, Position });
    });
    return defs;
  }

  parseArgumentDefs(): ArgumentDefinition[] | undefined {
    let args: ArgumentDefinition[] | undefined;
    this.some(T.ParenL, T.ParenR, () => (args ??= []).push(this.parseInputValueDef()));
    return args;
  }

  parseInputValueDef(): ArgumentDefinition {
    const Position = this.peekPos();
    const Description = this.parseDescription();
    const Name = this.parseName();
    this.expect(T.Colon);
    const Type = this.parseTypeReference();
    const DefaultValue = this.skip(T.Equals) ? this.parseValueLiteral(true) : undefined;
    const Directives = this.parseDirectives(true);
    return { Description, Name, DefaultValue, Type, Directives, Position };
  }

  parseUnionMemberTypes(): string[] | undefined {
    if (!this.skip(T.Equals)) return undefined;
    this.skip(T.Pipe);
    const types = [this.parseName()];
    while (this.skip(T.Pipe)) types.push(this.parseName());
    return types;
  }

  parseEnumValuesDefinition(): EnumValueDefinition[] | undefined {
    let values: EnumValueDefinition[] | undefined;
    this.some(T.BraceL, T.BraceR, () => {
      const Position = this.peekPos();
      const Description = this.parseDescription();
      const Name = this.parseName();
      (values ??= []).push({ Description, Name, Directives: this.parseDirectives(true), Position });
    });
    return values;
  }

  parseInputFieldsDefinition(): FieldDefinition[] | undefined {
    let values: FieldDefinition[] | undefined;
    this.some(T.BraceL, T.BraceR, () => (values ??= []).push(this.parseInputValueDef()));
    return values;
  }

  parseTypeSystemExtension(doc: SchemaDocument, builtIn: boolean): void {
    this.expectKeyword('extend');
    const word = this.peek().value;
    switch (word) {
      case 'schema': {
        this.expectKeyword('schema');
        const Position = this.peekPos();
        const def: SchemaDefinition = { Description: '', Position };
        def.Directives = this.parseDirectives(true);
        this.some(T.BraceL, T.BraceR, () =>
          (def.OperationTypes ??= []).push(this.parseOperationTypeDefinition()),
        );
        if (!def.Directives && !def.OperationTypes) this.unexpected();
        (doc.SchemaExtension ??= []).push(def);
        return;
      }
      case 'scalar':
      case 'type':
      case 'interface':
      case 'union':
      case 'enum':
      case 'input': {
        this.expectKeyword(word);
        const kinds: Record<string, string> = {
          scalar: 'SCALAR',
          type: 'OBJECT',
          interface: 'INTERFACE',
          union: 'UNION',
          enum: 'ENUM',
          input: 'INPUT_OBJECT',
        };
        const def = this.definition(kinds[word], '', builtIn);
        let empty: boolean;
        if (word === 'scalar') {
          def.Directives = this.parseDirectives(true);
          empty = !def.Directives;
        } else if (word === 'type') {
          def.Interfaces = this.parseImplementsInterfaces();
          def.Directives = this.parseDirectives(true);
          def.Fields = this.parseFieldsDefinition();
          empty = !def.Interfaces && !def.Directives && !def.Fields;
        } else if (word === 'interface') {
          def.Directives = this.parseDirectives(true);
          def.Fields = this.parseFieldsDefinition();
          empty = !def.Directives && !def.Fields;
        } else if (word === 'union') {
          def.Directives = this.parseDirectives(true);
          def.Types = this.parseUnionMemberTypes();
          empty = !def.Directives && !def.Types;
        } else if (word === 'enum') {
          def.Directives = this.parseDirectives(true);
          def.EnumValues = this.parseEnumValuesDefinition();
          empty = !def.Directives && !def.EnumValues;
        } else {
          def.Directives = this.parseDirectives(false);
          def.Fields = this.parseInputFieldsDefinition();
          empty = !def.Directives && !def.Fields;
        }
        if (empty) this.unexpected();
        (doc.Extensions ??= []).push(def);
        return;
      }
      default:
        this.unexpected();
    }
  }

  parseDirectiveDefinition(description: string): DirectiveDefinition {
    this.expectKeyword('directive');
    this.expect(T.At);
    const Position = this.peekPos();
    const Name = this.parseName();
    const Arguments = this.parseArgumentDefs();
    let IsRepeatable = false;
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value === 'repeatable') {
      IsRepeatable = true;
      this.next();
    }
    this.expectKeyword('on');
    this.skip(T.Pipe);
    const Locations = [this.parseDirectiveLocation()];
    while (this.skip(T.Pipe)) Locations.push(this.parseDirectiveLocation());
    return { Description: description, Name, Arguments, Locations, IsRepeatable, Position };
  }

  parseDirectiveLocation(): string {
    const name = this.expect(T.Name);
    if (DIRECTIVE_LOCATIONS.has(name.value)) return name.value;
    return this.unexpected(name);
  }
}

export function parseQueryDocument(src: string): QueryDocument {
  return new Parser(src).parseQueryDocument();
}

export function parseSchemaDocument(src: string, builtIn = false): SchemaDocument {
  return new Parser(src).parseSchemaDocument(builtIn);
}

// ---------------------------------------------------------------------------------------------
// To Rego: the JSON of the Go structs (every exported field, `Position` left out), then OPA's
// pruning: nulls, empty arrays and empty objects dropped; empty strings and false kept.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function list<X>(xs: X[] | undefined, f: (x: X) => Json): Json {
  return xs ? xs.map(f) : null;
}

function typeJson(t: GqlType | undefined): Json {
  if (!t) return null;
  return { NamedType: t.NamedType, Elem: typeJson(t.Elem), NonNull: t.NonNull };
}

function valueJson(v: GqlValue | undefined): Json {
  if (!v) return null;
  return {
    Raw: v.Raw,
    Children: list(v.Children, (c) => ({ Name: c.Name, Value: valueJson(c.Value) })),
    Kind: v.Kind,
    ExpectedTypeHasDefault: false,
  };
}

function argsJson(args: Argument[] | undefined): Json {
  return list(args, (a) => ({ Name: a.Name, Value: valueJson(a.Value) }));
}

function directivesJson(ds: Directive[] | undefined): Json {
  return list(ds, (d) => ({ Name: d.Name, Arguments: argsJson(d.Arguments), Location: '' }));
}

function selectionJson(s: Selection): Json {
  switch (s.kind) {
    case 'Field':
      return {
        Alias: s.Alias,
        Name: s.Name,
        Arguments: argsJson(s.Arguments),
        Directives: directivesJson(s.Directives),
        SelectionSet: list(s.SelectionSet, selectionJson),
      };
    case 'FragmentSpread':
      return { Name: s.Name, Directives: directivesJson(s.Directives) };
    default:
      return {
        TypeCondition: s.TypeCondition,
        Directives: directivesJson(s.Directives),
        SelectionSet: list(s.SelectionSet, selectionJson),
      };
  }
}

function varDefJson(v: VariableDefinition): Json {
  return {
    Variable: v.Variable,
    Type: typeJson(v.Type),
    DefaultValue: valueJson(v.DefaultValue),
    Directives: directivesJson(v.Directives),
    Used: false,
  };
}

function argDefJson(a: ArgumentDefinition): Json {
  return {
    Description: a.Description,
    Name: a.Name,
    DefaultValue: valueJson(a.DefaultValue),
    Type: typeJson(a.Type),
    Directives: directivesJson(a.Directives),
  };
}

function schemaDefJson(s: SchemaDefinition): Json {
  return {
    Description: s.Description,
    Directives: directivesJson(s.Directives),
    OperationTypes: list(s.OperationTypes, (o) => ({ Operation: o.Operation, Type: o.Type })),
  };
}

function definitionJson(d: Definition): Json {
  return {
    Kind: d.Kind,
    Description: d.Description,
    Name: d.Name,
    Directives: directivesJson(d.Directives),
    Interfaces: d.Interfaces ?? null,
    Fields: list(d.Fields, (f) => ({
      Description: f.Description,
      Name: f.Name,
      Arguments: list(f.Arguments, argDefJson),
      DefaultValue: valueJson(f.DefaultValue),
      Type: typeJson(f.Type),
      Directives: directivesJson(f.Directives),
    })),
    Types: d.Types ?? null,
    EnumValues: list(d.EnumValues, (e) => ({
      Description: e.Description,
      Name: e.Name,
      Directives: directivesJson(e.Directives),
    })),
    BuiltIn: d.BuiltIn,
  };
}

/** OPA's pruneIrrelevantGraphQLASTNodes. */
export function prune(x: Json): Json {
  if (Array.isArray(x)) {
    const out: Json[] = [];
    for (const v of x) {
      if (v === null) continue;
      if (typeof v === 'object') {
        const p = prune(v);
        if (Array.isArray(p) ? p.length > 0 : Object.keys(p as object).length > 0) out.push(p);
      } else out.push(v);
    }
    return out;
  }
  if (x !== null && typeof x === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'Position' || v === null) continue;
      if (typeof v === 'object') {
        const p = prune(v);
        if (Array.isArray(p) ? p.length > 0 : Object.keys(p as object).length > 0) out[k] = p;
      } else out[k] = v;
    }
    return out;
  }
  return x;
}

export function queryDocumentJson(doc: QueryDocument): Json {
  return prune({
    Operations: list(doc.Operations, (o) => ({
      Operation: o.Operation,
      Name: o.Name,
      VariableDefinitions: list(o.VariableDefinitions, varDefJson),
      Directives: directivesJson(o.Directives),
      SelectionSet: list(o.SelectionSet, selectionJson),
    })),
    Fragments: list(doc.Fragments, (f) => ({
      Name: f.Name,
      VariableDefinition: list(f.VariableDefinition, varDefJson),
      TypeCondition: f.TypeCondition,
      Directives: directivesJson(f.Directives),
      SelectionSet: list(f.SelectionSet, selectionJson),
    })),
  });
}

export function schemaDocumentJson(doc: SchemaDocument): Json {
  return prune({
    Schema: list(doc.Schema, schemaDefJson),
    SchemaExtension: list(doc.SchemaExtension, schemaDefJson),
    Directives: list(doc.Directives, (d) => ({
      Description: d.Description,
      Name: d.Name,
      Arguments: list(d.Arguments, argDefJson),
      Locations: d.Locations ?? null,
      IsRepeatable: d.IsRepeatable,
    })),
    Definitions: list(doc.Definitions, definitionJson),
    Extensions: list(doc.Extensions, definitionJson),
  });
}

// ---------------------------------------------------------------------------------------------
// From Rego: Go's json.Unmarshal of an object into the gqlparser structs. Unknown keys are
// ignored, absent ones are zero values, a value of the wrong JSON type is an error.

export class DecodeError extends Error {}

type Obj = Record<string, unknown>;

function asObj(x: unknown, what: string): Obj | undefined {
  if (x === null || x === undefined) return undefined;
  if (typeof x !== 'object' || Array.isArray(x)) {
    throw new DecodeError(`json: cannot unmarshal into ${what}`);
  }
  return x as Obj;
}

function asStr(x: unknown, what: string): string {
  if (x === null || x === undefined) return '';
  if (typeof x !== 'string') throw new DecodeError(`json: cannot unmarshal into ${what}`);
  return x;
}

function asBool(x: unknown, what: string): boolean {
  if (x === null || x === undefined) return false;
  if (typeof x !== 'boolean') throw new DecodeError(`json: cannot unmarshal into ${what}`);
  return x;
}

function asInt(x: unknown, what: string): number {
  if (x === null || x === undefined) return 0;
  if (typeof x !== 'number' || !Number.isInteger(x)) {
    throw new DecodeError(`json: cannot unmarshal into ${what}`);
  }
  return x;
}

function asList<X>(x: unknown, what: string, f: (o: unknown) => X): X[] | undefined {
  if (x === null || x === undefined) return undefined;
  if (!Array.isArray(x)) throw new DecodeError(`json: cannot unmarshal into ${what}`);
  const out = x.map(f);
  return out.length ? out : undefined;
}

function decodePosition(x: unknown): Position | undefined {
  const o = asObj(x, 'Position');
  if (!o) return undefined;
  return { line: asInt(o.Line, 'Position.Line'), column: asInt(o.Column, 'Position.Column') };
}

function decodeType(x: unknown): GqlType | undefined {
  const o = asObj(x, 'Type');
  if (!o) return undefined;
  return {
    NamedType: asStr(o.NamedType, 'Type.NamedType'),
    Elem: decodeType(o.Elem),
    NonNull: asBool(o.NonNull, 'Type.NonNull'),
    Position: decodePosition(o.Position),
  };
}

function decodeValue(x: unknown): GqlValue | undefined {
  const o = asObj(x, 'Value');
  if (!o) return undefined;
  return {
    Raw: asStr(o.Raw, 'Value.Raw'),
    Kind: asInt(o.Kind, 'Value.Kind'),
    Children: asList(o.Children, 'Value.Children', (c) => {
      const co = asObj(c, 'ChildValue') ?? {};
      return {
        Name: asStr(co.Name, 'ChildValue.Name'),
        Value: decodeValue(co.Value),
        Position: decodePosition(co.Position),
      };
    }),
    Position: decodePosition(o.Position),
  };
}

function decodeArgs(x: unknown): Argument[] | undefined {
  return asList(x, 'Arguments', (a) => {
    const o = asObj(a, 'Argument') ?? {};
    return {
      Name: asStr(o.Name, 'Argument.Name'),
      Value: decodeValue(o.Value),
      Position: decodePosition(o.Position),
    };
  });
}

function decodeDirectives(x: unknown): Directive[] | undefined {
  return asList(x, 'Directives', (d) => {
    const o = asObj(d, 'Directive') ?? {};
    asStr(o.Location, 'Directive.Location');
    return {
      Name: asStr(o.Name, 'Directive.Name'),
      Arguments: decodeArgs(o.Arguments),
      Position: decodePosition(o.Position),
    };
  });
}

/**
 * gqlparser's UnmarshalSelectionSet: each element is tried as a Field, then a FragmentSpread,
 * then an InlineFragment; the first that unmarshals wins (Go ignores unknown keys, so almost
 * every object is a Field).
 */
function decodeSelection(x: unknown): Selection {
  const o = asObj(x, 'Selection') ?? {};
  const Position = decodePosition(o.Position);
  try {
    return {
      kind: 'Field',
      Alias: asStr(o.Alias, 'Field.Alias'),
      Name: asStr(o.Name, 'Field.Name'),
      Arguments: decodeArgs(o.Arguments),
      Directives: decodeDirectives(o.Directives),
      SelectionSet: asList(o.SelectionSet, 'SelectionSet', decodeSelection),
      Position,
    };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  try {
    return {
      kind: 'FragmentSpread',
      Name: asStr(o.Name, 'FragmentSpread.Name'),
      Directives: decodeDirectives(o.Directives),
      Position,
    };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  return {
    kind: 'InlineFragment',
    TypeCondition: asStr(o.TypeCondition, 'InlineFragment.TypeCondition'),
    Directives: decodeDirectives(o.Directives),
    SelectionSet: asList(o.SelectionSet, 'SelectionSet', decodeSelection),
    Position,
  };
}

function decodeVarDefs(x: unknown): VariableDefinition[] | undefined {
  return asList(x, 'VariableDefinitions', (v) => {
    const o = asObj(v, 'VariableDefinition') ?? {};
    asBool(o.Used, 'VariableDefinition.Used');
    return {
      Variable: asStr(o.Variable, 'VariableDefinition.Variable'),
      Type: decodeType(o.Type),
      DefaultValue: decodeValue(o.DefaultValue),
      Directives: decodeDirectives(o.Directives),
      Position: decodePosition(o.Position),
    };
  });
}

export function decodeQueryDocument(x: unknown): QueryDocument {
  const o = asObj(x, 'QueryDocument') ?? {};
  return {
    Operations: asList(o.Operations, 'Operations', (op) => {
      const p = asObj(op, 'OperationDefinition') ?? {};
      return {
        Operation: asStr(p.Operation, 'OperationDefinition.Operation'),
        Name: asStr(p.Name, 'OperationDefinition.Name'),
        VariableDefinitions: decodeVarDefs(p.VariableDefinitions),
        Directives: decodeDirectives(p.Directives),
        SelectionSet: asList(p.SelectionSet, 'SelectionSet', decodeSelection),
        Position: decodePosition(p.Position),
      };
    }),
    Fragments: asList(o.Fragments, 'Fragments', (f) => {
      const p = asObj(f, 'FragmentDefinition') ?? {};
      return {
        Name: asStr(p.Name, 'FragmentDefinition.Name'),
        VariableDefinition: decodeVarDefs(p.VariableDefinition),
        TypeCondition: asStr(p.TypeCondition, 'FragmentDefinition.TypeCondition'),
        Directives: decodeDirectives(p.Directives),
        SelectionSet: asList(p.SelectionSet, 'SelectionSet', decodeSelection),
        Position: decodePosition(p.Position),
      };
    }),
  };
}

function decodeArgDefs(x: unknown): ArgumentDefinition[] | undefined {
  return asList(x, 'ArgumentDefinitionList', (a) => {
    const o = asObj(a, 'ArgumentDefinition') ?? {};
    return {
      Description: asStr(o.Description, 'ArgumentDefinition.Description'),
      Name: asStr(o.Name, 'ArgumentDefinition.Name'),
      DefaultValue: decodeValue(o.DefaultValue),
      Type: decodeType(o.Type),
      Directives: decodeDirectives(o.Directives),
      Position: decodePosition(o.Position),
    };
  });
}

function decodeStrings(x: unknown, what: string): string[] | undefined {
  return asList(x, what, (s) => asStr(s, what));
}

function decodeDefinition(x: unknown): Definition {
  const o = asObj(x, 'Definition') ?? {};
  return {
    Kind: asStr(o.Kind, 'Definition.Kind'),
    Description: asStr(o.Description, 'Definition.Description'),
    Name: asStr(o.Name, 'Definition.Name'),
    Directives: decodeDirectives(o.Directives),
    Interfaces: decodeStrings(o.Interfaces, 'Definition.Interfaces'),
    Fields: asList(o.Fields, 'FieldList', (f) => {
      const p = asObj(f, 'FieldDefinition') ?? {};
      return {
        Description: asStr(p.Description, 'FieldDefinition.Description'),
        Name: asStr(p.Name, 'FieldDefinition.Name'),
        Arguments: decodeArgDefs(p.Arguments),
        DefaultValue: decodeValue(p.DefaultValue),
        Type: decodeType(p.Type),
        Directives: decodeDirectives(p.Directives),
        Position: decodePosition(p.Position),
      };
    }),
    Types: decodeStrings(o.Types, 'Definition.Types'),
    EnumValues: asList(o.EnumValues, 'EnumValueList', (e) => {
      const p = asObj(e, 'EnumValueDefinition') ?? {};
      return {
        Description: asStr(p.Description, 'EnumValueDefinition.Description'),
        Name: asStr(p.Name, 'EnumValueDefinition.Name'),
        Directives: decodeDirectives(p.Directives),
        Position: decodePosition(p.Position),
      };
    }),
    BuiltIn: asBool(o.BuiltIn, 'Definition.BuiltIn'),
    Position: decodePosition(o.Position),
  };
}

function decodeSchemaDefs(x: unknown): SchemaDefinition[] | undefined {
  return asList(x, 'SchemaDefinitionList', (s) => {
    const o = asObj(s, 'SchemaDefinition') ?? {};
    return {
      Description: asStr(o.Description, 'SchemaDefinition.Description'),
      Directives: decodeDirectives(o.Directives),
      OperationTypes: asList(o.OperationTypes, 'OperationTypeDefinitionList', (t) => {
        const p = asObj(t, 'OperationTypeDefinition') ?? {};
        return {
          Operation: asStr(p.Operation, 'OperationTypeDefinition.Operation'),
          Type: asStr(p.Type, 'OperationTypeDefinition.Type'),
          Position: decodePosition(p.Position),
        };
      }),
      Position: decodePosition(o.Position),
    };
  });
}

export function decodeSchemaDocument(x: unknown): SchemaDocument {
  const o = asObj(x, 'SchemaDocument') ?? {};
  return {
    Schema: decodeSchemaDefs(o.Schema),
    SchemaExtension: decodeSchemaDefs(o.SchemaExtension),
    Directives: asList(o.Directives, 'DirectiveDefinitionList', (d) => {
      const p = asObj(d, 'DirectiveDefinition') ?? {};
      return {
        Description: asStr(p.Description, 'DirectiveDefinition.Description'),
        Name: asStr(p.Name, 'DirectiveDefinition.Name'),
        Arguments: decodeArgDefs(p.Arguments),
        Locations: decodeStrings(p.Locations, 'DirectiveDefinition.Locations'),
        IsRepeatable: asBool(p.IsRepeatable, 'DirectiveDefinition.IsRepeatable'),
        Position: decodePosition(p.Position),
      };
    }),
    Definitions: asList(o.Definitions, 'DefinitionList', decodeDefinition),
    Extensions: asList(o.Extensions, 'DefinitionList', decodeDefinition),
  };
}
