import { exportJWK, generateKeyPair, JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface IssuerKeys {
  /** Private signing keys (JWK, RS256) the issuer signs tokens with. */
  jwks: { keys: JWK[] };
  /** Keys for the issuer's own signed cookies (interaction, session). */
  cookieKeys: string[];
}

async function generate(): Promise<IssuerKeys> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = randomBytes(12).toString('base64url');
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return { jwks: { keys: [jwk] }, cookieKeys: [randomBytes(32).toString('base64url')] };
}

/**
 * The built-in issuer's keys live in the data directory (mode 0600) so tokens and sessions
 * survive a restart, or in `keysFile` (NANOPOD_OIDC_KEYS_FILE, made on first use the same way);
 * with an in-memory data directory and no file they are made per process.
 */
export async function loadIssuerKeys(dataDir: string, keysFile?: string): Promise<IssuerKeys> {
  if (dataDir === ':memory:' && !keysFile) return generate();
  const file = keysFile ? path.resolve(keysFile) : path.resolve(dataDir, 'oidc-issuer-keys.json');
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as IssuerKeys;
    if (stored.jwks?.keys?.length && stored.cookieKeys?.length) return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = await generate();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
  await chmod(file, 0o600);
  return keys;
}
