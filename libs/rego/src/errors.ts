/**
 * Errors of the Rego engine, shaped as OPA reports them (v1/ast/errors.go, v1/topdown/errors.go):
 * a code, a message and a location `file:row:col`.
 */
export interface RegoLocation {
  file: string;
  row: number;
  col: number;
}

export interface RegoErrorInfo {
  /** 'rego_parse_error' | 'rego_compile_error' | 'rego_type_error' | 'rego_unsafe_var_error' | 'rego_recursion_error' */
  code: string;
  message: string;
  location?: RegoLocation;
}

function formatInfo(e: RegoErrorInfo): string {
  const where = e.location ? `${e.location.file}:${e.location.row}: ` : '';
  return `${where}${e.code}: ${e.message}`;
}

/**
 * Parse and compile errors, all of them at once, as OPA prints them:
 * `1 error occurred: policy.rego:3: rego_unsafe_var_error: var x is unsafe`.
 */
export class RegoCompileError extends Error {
  constructor(readonly errors: RegoErrorInfo[]) {
    super(
      errors.length === 1
        ? `1 error occurred: ${formatInfo(errors[0])}`
        : `${errors.length} errors occurred:\n${errors.map(formatInfo).join('\n')}`,
    );
    this.name = 'RegoCompileError';
  }
}

/**
 * A runtime error: eval_conflict_error, eval_type_error, eval_builtin_error, eval_limit_error
 * (step or time limit; our own code), eval_recursion_error...
 */
export class RegoEvalError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly location?: RegoLocation,
  ) {
    super(
      location ? `${location.file}:${location.row}: ${code}: ${message}` : `${code}: ${message}`,
    );
    this.name = 'RegoEvalError';
  }
  /** The message without location and code prefix. */
  get detail(): string {
    const p = this.message.indexOf(`${this.code}: `);
    return p >= 0 ? this.message.slice(p + this.code.length + 2) : this.message;
  }
}

/** Thrown by the lexer and parser; collected into a RegoCompileError by the caller. */
export class RegoParseFailure extends Error {
  constructor(readonly info: RegoErrorInfo) {
    super(formatInfo(info));
  }
}
