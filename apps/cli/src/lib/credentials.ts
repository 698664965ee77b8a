import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

export interface StoredCredentials {
  url: string;
  access_token?: string;
  refresh_token?: string;
  expires_at?: number;
  api_key?: string;
  /** The realm that issued the tokens and the public client they were issued to (for refresh). */
  issuer?: string;
  client_id?: string;
  id_token?: string;
}

/** `$XDG_CONFIG_HOME/nanopod` or `~/.config/nanopod` (NANOPOD_CONFIG_DIR overrides, for tests). */
export function configDir(): string {
  if (process.env.NANOPOD_CONFIG_DIR) return process.env.NANOPOD_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'nanopod');
}

export function credentialsPath(): string {
  return path.join(configDir(), 'credentials.json');
}

export function readCredentials(): StoredCredentials | undefined {
  const file = credentialsPath();
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredCredentials;
  } catch {
    return undefined;
  }
}

/** Written with mode 0600 in a 0700 directory: the file holds a bearer token. */
export function writeCredentials(creds: StoredCredentials): void {
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = credentialsPath();
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function clearCredentials(): boolean {
  const file = credentialsPath();
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}
