import { Avatar } from '../../components/layout';
import { Badge, Card, PageHeader } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { useMe } from '../../lib/me';

export function MePage() {
  const { me } = useMe();
  return (
    <>
      <PageHeader title="Profile" description="Who you are to Nanopod, as the API sees you." />
      <Card>
        <div className="profile">
          <Avatar me={me} size={64} />
          <div>
            <div className="profile-name">{me.name ?? me.github_login ?? me.id}</div>
            {me.github_login && (
              <a
                className="muted"
                href={`https://github.com/${encodeURIComponent(me.github_login)}`}
                target="_blank"
                rel="noreferrer"
                data-testid="github-login"
              >
                @{me.github_login}
              </a>
            )}
          </div>
        </div>
        <dl className="kv">
          <dt>Roles</dt>
          <dd>
            {me.roles.map((r) => (
              <Badge key={r} tone={r === 'admin' ? 'purple' : 'blue'}>
                {r}
              </Badge>
            ))}
          </dd>
          <dt>Email</dt>
          <dd>{me.email ?? '—'}</dd>
          <dt>GitHub id</dt>
          <dd>{me.github_id ?? '—'}</dd>
          <dt>User id</dt>
          <dd>
            <code>{me.id}</code>
          </dd>
          <dt>Signed in via</dt>
          <dd>{me.authenticated_via}</dd>
          <dt>Scopes</dt>
          <dd>{me.scopes.join(', ')}</dd>
          <dt>Member since</dt>
          <dd>{dateTime(me.created_at)}</dd>
        </dl>
      </Card>
    </>
  );
}
