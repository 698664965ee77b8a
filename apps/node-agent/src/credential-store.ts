import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `enroll` keeps; the credential is the node's only secret. */
export interface StoredCredential {
  url: string;
  node_id: string;
  credential: string;
  name: string;
  heartbeat_interval_ms: number;
  enrolled_at: string;
}

export function credentialPath(stateDir: string): string {
  return join(stateDir, 'credential.json');
}

export function readCredential(stateDir: string): StoredCredential | null {
  try {
    return JSON.parse(readFileSync(credentialPath(stateDir), 'utf8')) as StoredCredential;
  } catch {
    return null;
  }
}

/** Written 0600 through a temp file and a rename, so a crash never leaves half a credential. */
export async function writeCredential(
  stateDir: string,
  credential: StoredCredential,
): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o711 });
  const file = credentialPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(credential, null, 2) + '\n', { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}
