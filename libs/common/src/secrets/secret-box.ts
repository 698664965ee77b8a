import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { NanopodConfig } from '../config/nanopod-config';

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals short secrets (sandbox env values) for storage: AES-256-GCM with a random IV, as
 * `v1:<base64(iv | tag | ciphertext)>`. The key comes from NANOPOD_SECRETS_KEY; in development
 * without it, one is made once and kept in `<data dir>/secrets.key` (0600), so a restart can
 * still open what was sealed. Production refuses to start without the key (see loadConfig).
 *
 * ```ts
 * const sealed = box.seal('hunter2'); // 'v1:...'
 * box.open(sealed); // 'hunter2'
 * ```
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  /** Throws when the value was not sealed with this key (or was altered). */
  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** Decodes NANOPOD_SECRETS_KEY: 64 hex digits or base64 of 32 bytes; null when neither. */
export function decodeSecretsKey(value: string): Buffer | null {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  return key.length === 32 ? key : null;
}

/** The key for this platform: configured, or (development) persisted in the data dir. */
export function secretBoxFor(config: NanopodConfig): SecretBox {
  if (config.secretsKey) return new SecretBox(decodeSecretsKey(config.secretsKey)!);
  if (config.env === 'production') throw new Error('NANOPOD_SECRETS_KEY is required in production');
  if (config.dataDir === ':memory:') return new SecretBox(randomBytes(32));
  const file = path.resolve(config.dataDir, 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return new SecretBox(decodeSecretsKey(readFileSync(file, 'utf8').trim())!);
}
