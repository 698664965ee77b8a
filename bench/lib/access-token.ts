/**
 * A realm access token for `login`, obtained from the built-in issuer the way a person would:
 * authorization code with PKCE through the development GitHub page.
 */
export async function obtainAccessToken(_url: string, _login: string): Promise<string> {
  throw new Error('not wired yet');
}
