import type { ReactElement } from 'react';
import { ApiKeysPage } from './pages/account/api-keys.page';
import { MePage } from './pages/account/me.page';
import { BillingPage } from './pages/billing/billing.page';
import { UiKitPage } from './pages/dev/ui-kit.page';
import { OverviewPage } from './pages/home/overview.page';
import { PoliciesPage } from './pages/policies/policies.page';
import { PolicyPage } from './pages/policies/policy.page';
import { NodesPage } from './pages/nodes/nodes.page';
import { ZonesPage } from './pages/compute/zones.page';
import { DeploymentsPage } from './pages/compute/deployments.page';
import { MarketPage } from './pages/compute/market.page';
import { ProcurementsPage } from './pages/compute/procurements.page';
import { ServicesPage } from './pages/serving/services.page';
import { SandboxesPage } from './pages/sandboxes/sandboxes.page';
import { SandboxPage } from './pages/sandboxes/sandbox.page';
import { ReputationPage } from './pages/reputation/reputation.page';
import { GrantsPage } from './pages/grants/grants.page';
import { GrantApplicationsPage } from './pages/grants/grant-applications.page';

/**
 * The page registry: the router and the left nav both read this list. To add a page, write it
 * under pages/<area>/ and add ONE entry here (see apps/web/README.md).
 *
 * - path: exact path, `:name` segments become params (`useParams()`), e.g. '/sandboxes/:id'.
 * - nav: false hides it from the left nav (detail pages); default true.
 * - admin: only admins see it in the nav and can open it.
 * - audience: 'node-owners' shows it only to admins and to owners of a partner (whose nodes the
 *   API lists); to anyone else it would always be empty, so it is not in their nav.
 * - section: nav group heading; entries keep their order within a section.
 */
export interface PageRoute {
  path: string;
  title: string;
  element: ReactElement;
  admin?: boolean;
  audience?: 'node-owners';
  nav?: boolean;
  section?: NavSection;
}

export type NavSection =
  'General' | 'Compute' | 'Billing' | 'Policy' | 'Network' | 'Account' | 'Admin';

/** Order of the nav groups. */
export const navSections: NavSection[] = [
  'General',
  'Compute',
  'Network',
  'Billing',
  'Policy',
  'Account',
  'Admin',
];

export const routes: PageRoute[] = [
  { path: '/', title: 'Overview', element: <OverviewPage />, section: 'General' },
  { path: '/sandboxes', title: 'Sandboxes', element: <SandboxesPage />, section: 'Compute' },
  { path: '/sandboxes/:id', title: 'Sandbox', element: <SandboxPage />, nav: false },
  { path: '/services', title: 'Services', element: <ServicesPage />, section: 'Compute' },
  { path: '/zones', title: 'Zones & capacities', element: <ZonesPage />, section: 'Compute' },
  { path: '/deployments', title: 'Deployments', element: <DeploymentsPage />, section: 'Compute' },
  { path: '/market', title: 'Market', element: <MarketPage />, section: 'Compute' },
  {
    path: '/procurements',
    title: 'Procurements',
    element: <ProcurementsPage />,
    section: 'Compute',
  },
  {
    path: '/nodes',
    title: 'Nodes',
    element: <NodesPage />,
    section: 'Network',
    audience: 'node-owners',
  },
  { path: '/billing', title: 'Billing', element: <BillingPage />, section: 'Billing' },
  { path: '/grants', title: 'Grants', element: <GrantsPage />, section: 'Billing' },
  { path: '/reputation', title: 'Reputation', element: <ReputationPage />, section: 'Account' },
  {
    path: '/admin/grants',
    title: 'Grant applications',
    element: <GrantApplicationsPage />,
    section: 'Admin',
    admin: true,
  },
  { path: '/me', title: 'Profile', element: <MePage />, section: 'Account' },
  { path: '/api-keys', title: 'API keys', element: <ApiKeysPage />, section: 'Account' },
  { path: '/dev/ui', title: 'UI kit', element: <UiKitPage />, nav: false },
  {
    path: '/admin/policies',
    title: 'Policies',
    element: <PoliciesPage />,
    section: 'Admin',
    admin: true,
  },
  {
    path: '/admin/policies/:name',
    title: 'Policy',
    element: <PolicyPage />,
    nav: false,
    admin: true,
  },
];
