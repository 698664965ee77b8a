import 'reflect-metadata';
import { ConfigError } from '@nanopod/common';
import { startBanner } from './banner';
import { startPlatform } from './bootstrap';
import { armExitDeadline } from './exit-deadline';

async function main(): Promise<void> {
  try {
    const platform = await startPlatform();
    const { config } = platform;
    process.stdout.write(startBanner(config));
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      // A second signal while stopping: the operator means it, exit now.
      if (stopping) process.exit(130);
      stopping = true;
      process.stdout.write(`Nanopod platform stopping (${signal})\n`);
      // Out within the budget plus a second whatever happens (a hung hook, a blocked loop):
      // at most 9 s after the signal (the budget is at most 8 s), so a supervisor's 10 s
      // never has to kill us.
      armExitDeadline(config.shutdownTimeoutMs + 1000);
      try {
        await platform.close();
      } finally {
        process.exit(0);
      }
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`nanopod: configuration error: ${p}\n`);
      process.exit(78);
    }
    process.stderr.write(`nanopod: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}

void main();
