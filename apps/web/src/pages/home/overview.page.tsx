import { Card, PageHeader } from '../../components/ui';
import { useMe } from '../../lib/me';
import { Link } from '../../lib/router';

export function OverviewPage() {
  const { me } = useMe();
  return (
    <>
      <PageHeader
        title={`Welcome${me.github_login ? `, ${me.github_login}` : ''}`}
        description="Your developer access to the Nanopod GPU network."
      />
      <div className="grid grid-2">
        <Card title="Get started">
          <ol className="steps">
            <li>
              <Link to="/api-keys">Create an API key</Link> for the CLI and your scripts.
            </li>
            <li>
              Use it: <code>export NANOPOD_API_KEY=npk_…</code>, then <code>nanopod whoami</code>.
            </li>
            <li>
              Read the <a href="/docs">API reference</a> for everything the dashboard does.
            </li>
          </ol>
        </Card>
        <Card title="Your account">
          <dl className="kv">
            <dt>GitHub</dt>
            <dd>{me.github_login ?? '—'}</dd>
            <dt>Roles</dt>
            <dd>{me.roles.join(', ') || '—'}</dd>
          </dl>
          <p>
            <Link to="/me">Profile details →</Link>
          </p>
        </Card>
      </div>
    </>
  );
}
