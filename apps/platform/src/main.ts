import 'reflect-metadata';
import { ConfigError } from '@nanopod/common';
import { startPlatform } from './bootstrap';

async function main(): Promise<void> {
  try {
    const platform = await startPlatform();
    const { config } = platform;
    process.stdout.write(
      `Nanopod platform on ${config.publicUrl} (database: ${config.database.kind}, identity: ${config.oidc.builtin ? 'built-in issuer' : config.oidc.issuer})\n`,
    );
    const stop = async () => {
      await platform.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
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
