import type { Request } from 'express';
import type { Principal } from '../principal';

/**
 * One way to present a credential. `false` means "not this kind of credential, or not valid":
 * the guard tries the next one. Throwing stops the request with that error (a session cookie
 * sent cross-site, a verifier that cannot reach its keys).
 */
export interface CredentialStrategy {
  authenticate(req: Request): Promise<Principal | false>;
}
