/**
 * HTML of the built-in issuer's pages. They stand in for Keycloak's login page and for GitHub's
 * authorize page, for development only, and say so. Stable form ids let tests and scripts
 * drive them like a browser would.
 */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f6f8fa;margin:0;display:flex;justify-content:center}
main{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px 32px;margin-top:64px;width:360px}
h1{font-size:20px;margin:0 0 8px}p.note{color:#57606a;font-size:13px}
label{display:block;margin:12px 0 4px;font-size:14px}input{width:100%;box-sizing:border-box;padding:6px 8px;font-size:14px}
button,a.button{display:block;width:100%;margin-top:16px;padding:8px;background:#1f883d;color:#fff;border:0;border-radius:6px;font-size:14px;text-align:center;text-decoration:none;cursor:pointer}
button.secondary{background:#fff;color:#24292f;border:1px solid #d0d7de}
.error{color:#cf222e;font-size:14px}
</style></head><body><main>${body}</main></body></html>`;
}

/** Keycloak's realm login page, reduced to its identity-provider button. */
export function realmLoginPage(githubHref: string): string {
  return layout(
    'Sign in to nanopod',
    `<h1>Sign in to nanopod</h1>
<p class="note">Built-in development issuer (stands in for the Keycloak realm).</p>
<a class="button" id="idp-github" href="${escapeHtml(githubHref)}">Sign in with GitHub</a>`,
  );
}

export interface GithubFormValues {
  login?: string;
  name?: string;
  email?: string;
}

/** The development "GitHub": you type the GitHub identity the realm should broker. */
export function githubDevPage(action: string, values: GithubFormValues, error?: string): string {
  return layout(
    'Sign in to GitHub (development)',
    `<h1>Sign in to GitHub</h1>
<p class="note">Development identity provider: no password, no call to GitHub. Type the GitHub
identity to sign in as. Never enabled in production unless NANOPOD_BUILTIN_ISSUER=true.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="github-login" method="post" action="${escapeHtml(action)}">
<label for="login">GitHub login</label>
<input id="login" name="login" required autofocus autocomplete="username" pattern="[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}" value="${escapeHtml(values.login)}">
<label for="name">Name (optional)</label>
<input id="name" name="name" value="${escapeHtml(values.name)}">
<label for="email">Email (optional)</label>
<input id="email" name="email" type="email" value="${escapeHtml(values.email)}">
<button type="submit">Authorize nanopod</button>
</form>`,
  );
}

/** RP-initiated logout: with an id_token_hint Keycloak signs out without asking; so do we. */
export function logoutPage(form: string): string {
  return layout(
    'Signing out',
    `<h1>Signing out…</h1>${form}
<noscript><button form="op.logoutForm" name="logout" value="yes">Sign out</button></noscript>
<script>(function(){var f=document.getElementById('op.logoutForm');var i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();})();</script>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export function deviceInputPage(form: string, error?: string): string {
  return layout(
    'Device sign-in',
    `<h1>Sign in a device</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Type the code the nanopod CLI shows.</p>${form}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
  );
}

export function deviceConfirmPage(form: string, clientName: string, userCode: string): string {
  return layout(
    'Device sign-in',
    `<h1>Sign in ${escapeHtml(clientName)}?</h1>
<p>Check that the CLI shows the code <strong>${escapeHtml(userCode)}</strong>.</p>${form}
<button type="submit" form="op.deviceConfirmForm" autofocus>Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel</button>`,
  );
}
