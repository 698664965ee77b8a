import { obtainRealmTokens } from '../../test/support/realm-tokens';

/**
 * A realm access token for `login`, obtained from the built-in issuer the way a person would:
 * authorization code with PKCE through the development GitHub page.
 */
export async function obtainAccessToken(url: string, login: string): Promise<string> {
  return (await obtainRealmTokens(url, { login })).access_token;
}
