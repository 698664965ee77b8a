import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SecretBox } from '@nanopod/common';
import { SandboxesRepository } from '../repositories/sandboxes.repository';

/**
 * Sandbox env values are stored sealed (AES-256-GCM, key from NANOPOD_SECRETS_KEY) and opened
 * only to build the spec sent to the sandbox's agent. Keys stay readable: the API shows them.
 */
@Injectable()
export class SandboxEnv implements OnModuleInit {
  private readonly logger = new Logger(SandboxEnv.name);

  constructor(
    private readonly box: SecretBox,
    private readonly sandboxes: SandboxesRepository,
  ) {}

  seal(env: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, this.box.seal(v)]));
  }

  /** Values sealed before a key change cannot be opened: the sandbox cannot start with them. */
  open(env: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, SecretBox.isSealed(v) ? this.box.open(v) : v]),
    );
  }

  /**
   * Rows written before env values were sealed are sealed once, at start (the migration
   * cannot: the key is configuration, not schema). Idempotent: sealed values are left alone.
   */
  async onModuleInit(): Promise<void> {
    const sealed = await this.sandboxes.sealPlainEnv((env) => {
      const plain = Object.values(env).some((v) => !SecretBox.isSealed(v));
      if (!plain) return null;
      return Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, SecretBox.isSealed(v) ? v : this.box.seal(v)]),
      );
    });
    if (sealed > 0) this.logger.log({ sandboxes: sealed }, 'sealed plain-text env values');
  }
}
