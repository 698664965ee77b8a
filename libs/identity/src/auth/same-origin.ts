import { ForbiddenError } from '@nanopod/common';
import type { Request } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_ERROR_CODE = 'auth.csrf';

/**
 * A write carried by the session cookie must come from our own pages: the browser says so in
 * `Sec-Fetch-Site` (same-origin, or none for a typed URL or bookmark) or, where it does not send
 * that, in `Origin`, which must be NANOPOD_PUBLIC_URL's. Neither header (not a browser, or a
 * very old one) is refused too: cookie sessions are for browsers, everything else uses a token.
 * SameSite=Lax alone lets a top-level cross-site form POST through on some browsers and any
 * same-site (sibling subdomain) page through on all.
 */
export function assertSameOrigin(req: Request, publicUrl: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw refused(`Sec-Fetch-Site: ${site}`);
  }
  const origin = req.get('origin');
  if (origin !== undefined && origin === originOf(publicUrl)) return;
  throw refused(origin === undefined ? 'no Origin' : `Origin ${origin.slice(0, 200)}`);
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function refused(seen: string): ForbiddenError {
  return new ForbiddenError(
    CSRF_ERROR_CODE,
    'A change made with the session cookie must come from the Nanopod dashboard itself',
    { seen },
  );
}
