import { useState } from 'react';
import { BarChart, LineChart } from '../../components/charts';
import { useToast } from '../../components/toasts';
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  PageHeader,
  Table,
} from '../../components/ui';
import { ApiError } from '../../api';

const hours = Array.from({ length: 12 }, (_, i) => `${String(i * 2).padStart(2, '0')}:00`);

/** A living reference of the shared components (not in the nav): /dev/ui. */
export function UiKitPage() {
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <PageHeader
        title="UI kit"
        description="The shared building blocks, as pages should use them."
        actions={<Button variant="primary">Primary action</Button>}
      />
      <div className="grid grid-3">
        <Card>
          <div className="stat-label">GPU-hours this month</div>
          <div className="stat-value">128.5</div>
        </Card>
        <Card>
          <div className="stat-label">Subsidy tier</div>
          <div className="stat-value">
            <Badge tone="purple">community</Badge>
          </div>
        </Card>
        <Card>
          <div className="stat-label">Balance</div>
          <div className="stat-value">$42.00</div>
        </Card>
      </div>
      <div className="grid grid-2" style={{ marginTop: 16 }}>
        <Card title="LineChart">
          <LineChart
            ariaLabel="GPU-hours per two hours"
            labels={hours}
            unit="h"
            series={[
              { label: 'A100', data: [1, 2, 2, 3, 5, 8, 6, 4, 4, 3, 2, 2] },
              { label: 'H100', data: [0, 1, 1, 2, 2, 3, 4, 6, 5, 3, 1, 0] },
            ]}
          />
        </Card>
        <Card title="BarChart">
          <BarChart
            ariaLabel="Nodes per zone"
            labels={['us-east', 'eu-west', 'ap-south']}
            stacked
            series={[
              { label: 'running', data: [12, 7, 3] },
              { label: 'draining', data: [1, 2, 0] },
            ]}
          />
        </Card>
      </div>
      <Card
        title="Table and badges"
        actions={
          <Button small onClick={() => setConfirming(true)}>
            Confirm…
          </Button>
        }
      >
        <Table
          rows={[
            { id: '1', name: 'sbx-1', state: 'running' },
            { id: '2', name: 'sbx-2', state: 'failed' },
          ]}
          rowKey={(r) => r.id}
          columns={[
            { header: 'Name', cell: (r) => r.name },
            {
              header: 'State',
              cell: (r) => <Badge tone={r.state === 'running' ? 'green' : 'red'}>{r.state}</Badge>,
            },
          ]}
        />
      </Card>
      <Card title="Empty state and toasts">
        <EmptyState
          title="No sandboxes yet"
          action={
            <Button
              onClick={() =>
                toast.error(
                  new ApiError(403, 'sandbox.policy_denied', 'Your tier allows 2 GPU-hours a day'),
                )
              }
            >
              Show an error toast
            </Button>
          }
        >
          Spawn one with <code>nanopod sandbox create</code>.
        </EmptyState>
      </Card>
      <ConfirmDialog
        open={confirming}
        title="Stop sandbox?"
        confirmLabel="Stop"
        onClose={() => setConfirming(false)}
        onConfirm={() => setConfirming(false)}
      >
        It stops at once.
      </ConfirmDialog>
    </>
  );
}
