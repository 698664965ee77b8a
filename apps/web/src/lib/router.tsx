import {
  AnchorHTMLAttributes,
  createContext,
  MouseEvent,
  ReactNode,
  useContext,
  useEffect,
  useState,
} from 'react';

/*
 * A small history router (no dependency): exact paths with `:param` segments, pushState
 * navigation, <Link>. The platform serves index.html for every non-API path, so deep links work.
 */

const listeners = new Set<() => void>();

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

export function useLocation(): { pathname: string; search: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return {
    pathname: window.location.pathname,
    search: new URLSearchParams(window.location.search),
  };
}

/** Matches '/sandboxes/:id' against '/sandboxes/abc' -> { id: 'abc' }; null if no match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const strip = (s: string) => (s.length > 1 ? s.replace(/\/+$/, '') : s);
  const p = strip(pattern).split('/');
  const a = strip(pathname).split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      if (!a[i]) return null;
      params[p[i].slice(1)] = decodeURIComponent(a[i]);
    } else if (p[i] !== a[i]) return null;
  }
  return params;
}

const ParamsContext = createContext<Record<string, string>>({});

export function ParamsProvider(props: { params: Record<string, string>; children: ReactNode }) {
  return <ParamsContext.Provider value={props.params}>{props.children}</ParamsContext.Provider>;
}

/** The `:name` segments of the current route. */
export function useParams<T extends Record<string, string> = Record<string, string>>(): T {
  return useContext(ParamsContext) as T;
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { to, onClick, ...rest } = props;
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
