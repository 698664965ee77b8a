import pino, { type Logger } from 'pino';

export type AgentLogger = Logger;

/**
 * One pino logger for the agent; children carry a `context`. Secrets never reach a line:
 * the redaction list is the backstop, the code simply never logs credentials or tokens.
 */
export function createAgentLogger(level: string, destination?: NodeJS.WritableStream): AgentLogger {
  return pino(
    {
      name: 'nanopod-node-agent',
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          'credential',
          'token',
          'authorization',
          '*.credential',
          '*.token',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
