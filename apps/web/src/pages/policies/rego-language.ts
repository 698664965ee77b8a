import { StreamLanguage, StringStream } from '@codemirror/language';

/*
 * A small Rego highlighter for the policy editor (CodeMirror 6 stream mode): keywords, the
 * built-in documents, strings (double-quoted and raw), numbers, comments and operators.
 */

const KEYWORDS = new Set([
  'package',
  'import',
  'as',
  'default',
  'if',
  'else',
  'not',
  'some',
  'every',
  'in',
  'contains',
  'with',
]);
const ATOMS = new Set(['true', 'false', 'null']);
const BUILTIN_DOCS = new Set(['input', 'data', 'rego', 'future']);

interface RegoState {
  inRawString: boolean;
}

function token(stream: StringStream, state: RegoState): string | null {
  if (state.inRawString) {
    while (!stream.eol()) {
      if (stream.next() === '`') {
        state.inRawString = false;
        return 'string';
      }
    }
    return 'string';
  }
  if (stream.eatSpace()) return null;
  const ch = stream.peek();
  if (ch === '#') {
    stream.skipToEnd();
    return 'comment';
  }
  if (ch === '"') {
    stream.next();
    let escaped = false;
    while (!stream.eol()) {
      const c = stream.next();
      if (c === '"' && !escaped) return 'string';
      escaped = !escaped && c === '\\';
    }
    return 'string';
  }
  if (ch === '`') {
    stream.next();
    state.inRawString = true;
    return token(stream, state);
  }
  if (stream.match(/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/)) return 'number';
  if (stream.match(/^(:=|==|!=|<=|>=|[=<>+\-*/%|&])/)) return 'operator';
  if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
    const word = stream.current();
    if (KEYWORDS.has(word)) return 'keyword';
    if (ATOMS.has(word)) return 'atom';
    if (BUILTIN_DOCS.has(word)) return 'variableName.special';
    if (stream.match(/^\s*\(/, false)) return 'variableName.function';
    return 'variableName';
  }
  stream.next();
  return /[[\]{}(),.;]/.test(ch ?? '') ? 'punctuation' : null;
}

export const regoLanguage = StreamLanguage.define<RegoState>({
  name: 'rego',
  startState: () => ({ inRawString: false }),
  token,
  languageData: { commentTokens: { line: '#' } },
});
