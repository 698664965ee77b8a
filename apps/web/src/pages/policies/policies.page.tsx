import { Badge, Card, EmptyState, ErrorState, PageHeader, Table } from '../../components/ui';
import { relativeTime } from '../../lib/format';
import { Link, navigate } from '../../lib/router';
import { useApi } from '../../lib/use-api';
import type { PolicySummary } from './policy-types';

/** Admin: the policies and their active versions; a row opens the editor. */
export function PoliciesPage() {
  const { data, error, reload } = useApi<{ data: PolicySummary[] }>('/v1/policies');
  return (
    <>
      <PageHeader
        title="Policies"
        description="Rego policies every platform instance evaluates: edit, test, dry-run, activate."
      />
      <Card>
        {error ? (
          <ErrorState error={error} onRetry={() => void reload()} />
        ) : (
          <Table
            label="Policies"
            rows={data?.data}
            rowKey={(p) => p.name}
            onRowClick={(p) => navigate(`/admin/policies/${p.name}`)}
            empty={
              <EmptyState title="No policies">The shipped policies seed on first start.</EmptyState>
            }
            columns={[
              {
                header: 'Name',
                cell: (p) => <Link to={`/admin/policies/${p.name}`}>{p.name}</Link>,
              },
              { header: 'Package', cell: (p) => <code>{p.package}</code> },
              {
                header: 'Active',
                cell: (p) =>
                  p.active_version === null ? (
                    <Badge tone="red">none</Badge>
                  ) : (
                    <Badge tone="green">v{p.active_version}</Badge>
                  ),
              },
              { header: 'Updated', cell: (p) => relativeTime(p.updated_at) },
            ]}
          />
        )}
      </Card>
    </>
  );
}
