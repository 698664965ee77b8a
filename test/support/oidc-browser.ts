/**
 * A tiny browser for the sign-in redirects: a host-aware cookie jar, manual redirects, and the
 * forms of the built-in issuer (realm login, development GitHub page, device confirmation,
 * logout confirmation) submitted the way a person would.
 */

interface StoredCookie {
  value: string;
  path: string;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export interface DevGithubIdentity {
  login: string;
  name?: string;
  email?: string;
}

export class CookieJar {
  private readonly byHost = new Map<string, Map<string, StoredCookie>>();

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const jar = this.byHost.get(url.host) ?? new Map<string, StoredCookie>();
      this.byHost.set(url.host, jar);
      const id = `${name};${path}`;
      if (expired) jar.delete(id);
      else jar.set(id, { value, path });
    }
  }

  header(url: URL): string | undefined {
    const jar = this.byHost.get(url.host);
    if (!jar) return undefined;
    const parts: string[] = [];
    for (const [id, c] of jar) {
      const p = c.path.replace(/\/$/, '');
      if (
        url.pathname === c.path ||
        url.pathname === p ||
        url.pathname.startsWith(`${p}/`) ||
        c.path === '/'
      ) {
        parts.push(`${id.split(';')[0]}=${c.value}`);
      }
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  get(host: string, name: string): string | undefined {
    for (const [id, c] of this.byHost.get(host) ?? [])
      if (id.split(';')[0] === name) return c.value;
    return undefined;
  }
}

export interface HtmlForm {
  action: string;
  method: string;
  fields: Record<string, string>;
}

/** The form with this id (or the first form) and its hidden/prefilled inputs. */
export function parseForm(html: string, id?: string): HtmlForm | undefined {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const match = id
    ? forms.find((f) => new RegExp(`id="${id.replace('.', '\\.')}"`).test(f[1]))
    : forms[0];
  if (!match) return undefined;
  const attr = (s: string, n: string) => new RegExp(`\\b${n}="([^"]*)"`, 'i').exec(s)?.[1];
  const fields: Record<string, string> = {};
  for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(input[1], 'name');
    if (name) fields[name] = unescape(attr(input[1], 'value') ?? '');
  }
  return {
    action: unescape(attr(match[1], 'action') ?? ''),
    method: (attr(match[1], 'method') ?? 'get').toLowerCase(),
    fields,
  };
}

function unescape(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export class Browser {
  readonly jar = new CookieJar();

  /** Follows redirects (303/302 become GET) until a non-redirect answer. */
  async go(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      maxHops?: number;
      /** Stop before fetching a URL (e.g. a loopback redirect nobody listens on). */
      stopAt?: (url: URL) => boolean;
      /** The page's origin, sent as `Origin` on a POST as browsers do (default: the URL's own). */
      origin?: string;
    } = {},
  ): Promise<Page> {
    let current = new URL(url);
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form
      ? new URLSearchParams(init.form).toString()
      : undefined;
    for (let hop = 0; hop < (init.maxHops ?? 20); hop++) {
      if (init.stopAt?.(current)) {
        return { url: current.href, status: 0, headers: new Headers(), body: '' };
      }
      const headers: Record<string, string> = { accept: 'text/html,application/json' };
      const cookie = this.jar.header(current);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      if (method !== 'GET') headers.origin = init.origin ?? current.origin;
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.jar.store(current, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current);
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return {
        url: current.href,
        status: res.status,
        headers: res.headers,
        body: await res.text(),
      };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  async submit(
    page: Page,
    form: HtmlForm,
    extra: Record<string, string> = {},
    stopAt?: (url: URL) => boolean,
  ): Promise<Page> {
    const action = new URL(form.action || page.url, page.url).href;
    return this.go(action, {
      method: form.method.toUpperCase(),
      form: { ...form.fields, ...extra },
      stopAt,
      origin: new URL(page.url).origin,
    });
  }

  /**
   * Walks the built-in issuer's pages from `start` until none is left: realm login page ->
   * development GitHub page (typed identity) -> device confirmation / logout confirmation (the
   * platform's and the realm's).
   */
  async signIn(
    start: string,
    identity: DevGithubIdentity,
    stopAt?: (url: URL) => boolean,
  ): Promise<Page> {
    let page = await this.go(start, { stopAt });
    for (let step = 0; step < 10; step++) {
      const idp = /id="idp-github" href="([^"]+)"/.exec(page.body);
      const github = parseForm(page.body, 'github-login');
      const confirm = parseForm(page.body, 'op.deviceConfirmForm');
      const logout = parseForm(page.body, 'op.logoutForm');
      const platformLogout = parseForm(page.body, 'nanopod-logout');
      // Pages that post themselves on load (oidc-provider's form_post-style hops).
      const auto = /document\.forms\[0\]\.submit\(\)/.test(page.body)
        ? parseForm(page.body)
        : undefined;
      if (github) {
        page = await this.submit(
          page,
          github,
          {
            login: identity.login,
            name: identity.name ?? '',
            email: identity.email ?? '',
          },
          stopAt,
        );
      } else if (idp) {
        page = await this.go(new URL(unescape(idp[1]), page.url).href, { stopAt });
      } else if (confirm) {
        page = await this.submit(page, confirm, {}, stopAt);
      } else if (platformLogout) {
        page = await this.submit(page, platformLogout, {}, stopAt);
      } else if (logout) {
        page = await this.submit(page, logout, { logout: 'yes' }, stopAt);
      } else if (auto) {
        page = await this.submit(page, auto, {}, stopAt);
      } else {
        return page;
      }
    }
    return page;
  }
}
