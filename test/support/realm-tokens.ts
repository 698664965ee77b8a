import { createHash, randomBytes } from 'node:crypto';
import { Browser, DevGithubIdentity } from './oidc-browser';

export interface RealmTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
}

/**
 * Realm tokens for the public CLI client, obtained the way `nanopod login` does: authorization
 * code with PKCE and a loopback redirect, through the development GitHub page.
 */
export async function obtainRealmTokens(
  platformUrl: string,
  identity: DevGithubIdentity,
  clientId = 'nanopod-cli',
): Promise<RealmTokens> {
  const realm = `${platformUrl}/realms/nanopod/protocol/openid-connect`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:9/callback';
  const state = randomBytes(8).toString('hex');
  const auth = new URL(`${realm}/auth`);
  auth.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    kc_idp_hint: 'github',
  }).toString();
  const browser = new Browser();
  const landed = await browser.signIn(
    auth.href,
    identity,
    (u) => u.hostname === '127.0.0.1' && u.port === '9',
  );
  const back = new URL(landed.url);
  const code = back.searchParams.get('code');
  if (!code || back.searchParams.get('state') !== state) {
    throw new Error(`no authorization code: ${landed.url} ${landed.body.slice(0, 300)}`);
  }
  const res = await fetch(`${realm}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await res.json()) as RealmTokens & { error?: string };
  if (!res.ok) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body;
}
