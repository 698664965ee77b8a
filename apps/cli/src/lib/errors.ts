/** A failure the CLI reports on stderr with a non-zero exit, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
