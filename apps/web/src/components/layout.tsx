import { ReactNode, useEffect, useState } from 'react';
import { navSections, PageRoute, routes } from '../routes';
import { Link, matchPath, useLocation } from '../lib/router';
import { LOGOUT_HREF, Me } from '../lib/me';
import { useApi } from '../lib/use-api';

/** The GitHub avatar, or the login's initial when there is none or it does not load (offline). */
export function Avatar(props: { me: Me; size?: number }) {
  const size = props.size ?? 28;
  const [failed, setFailed] = useState(false);
  const initial = (props.me.github_login ?? props.me.name ?? '?').slice(0, 1).toUpperCase();
  return props.me.avatar_url && !failed ? (
    <img
      className="avatar"
      src={props.me.avatar_url}
      alt=""
      width={size}
      height={size}
      onError={() => setFailed(true)}
    />
  ) : (
    <span
      className="avatar avatar-initial"
      style={{ width: size, height: size, fontSize: Math.round(size * 0.42) }}
      aria-hidden
    >
      {initial}
    </span>
  );
}

function isActive(route: PageRoute, pathname: string): boolean {
  if (route.path === '/') return pathname === '/';
  return matchPath(route.path, pathname) !== null || pathname.startsWith(`${route.path}/`);
}

/**
 * Whether the signed-in user owns a partner (the API lists nodes to admins and to partner owners
 * only). Admins are not asked; undefined while the answer is out.
 */
function useOwnsPartners(isAdmin: boolean): boolean | undefined {
  const { data } = useApi<{ data: unknown[] }>(isAdmin ? null : '/v1/partners');
  if (isAdmin) return true;
  return data ? data.data.length > 0 : undefined;
}

export function Layout(props: { me: Me; isAdmin: boolean; children: ReactNode }) {
  const { pathname } = useLocation();
  const ownsPartners = useOwnsPartners(props.isAdmin);
  // Below 720 px the sidebar is an overlay the menu button opens; any navigation closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setMenuOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const visible = routes.filter(
    (r) =>
      r.nav !== false &&
      (!r.admin || props.isAdmin) &&
      (r.audience !== 'node-owners' || ownsPartners === true) &&
      !r.path.includes(':'),
  );
  const sections = navSections
    .map((s) => ({ section: s, items: visible.filter((r) => (r.section ?? 'General') === s) }))
    .filter((s) => s.items.length > 0);
  return (
    <div className={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <aside className="sidebar" id="sidebar" aria-label="Sidebar">
        <div className="sidebar-top">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden />
            Nanopod
          </Link>
          <button
            type="button"
            className="icon-btn menu-close"
            aria-label="Close menu"
            onClick={() => setMenuOpen(false)}
          >
            ×
          </button>
        </div>
        <nav aria-label="Main">
          {sections.map(({ section, items }) => (
            <div className="nav-section" key={section}>
              {section !== 'General' && <div className="nav-heading">{section}</div>}
              {items.map((r) => (
                <Link
                  key={r.path}
                  to={r.path}
                  className={`nav-link ${isActive(r, pathname) ? 'active' : ''}`}
                  aria-current={isActive(r, pathname) ? 'page' : undefined}
                >
                  {r.title}
                </Link>
              ))}
            </div>
          ))}
        </nav>
        <div className="sidebar-footer">
          <a href="/docs" target="_blank" rel="noreferrer">
            API reference ↗
          </a>
        </div>
      </aside>
      {menuOpen && (
        <div className="sidebar-backdrop" aria-hidden onClick={() => setMenuOpen(false)} />
      )}
      <div className="main">
        <header className="topbar">
          <button
            type="button"
            className="icon-btn menu-btn"
            aria-label="Open menu"
            aria-controls="sidebar"
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen(true)}
          >
            ☰
          </button>
          <div className="topbar-title">
            {routes.find((r) => isActive(r, pathname))?.title ?? ''}
          </div>
          <div className="topbar-user">
            {props.isAdmin && <span className="badge badge-purple">admin</span>}
            <Link to="/me" className="user-chip" data-testid="current-user">
              <Avatar me={props.me} />
              <span>{props.me.github_login ?? props.me.name ?? props.me.id}</span>
            </Link>
            {/* A POST from our page (the browser adds Origin): a GET must never sign out. */}
            <form method="post" action={LOGOUT_HREF} className="inline-form">
              <button type="submit" className="btn btn-ghost btn-sm">
                Sign out
              </button>
            </form>
          </div>
        </header>
        <main className="content">{props.children}</main>
      </div>
    </div>
  );
}
