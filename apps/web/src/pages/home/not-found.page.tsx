import { Link } from '../../lib/router';
import { EmptyState } from '../../components/ui';

export function NotFoundPage(props: { adminOnly?: boolean }) {
  return (
    <EmptyState title={props.adminOnly ? 'Admins only' : 'Page not found'}>
      {props.adminOnly ? 'This page needs the admin role. ' : 'Nothing lives at this address. '}
      <Link to="/">Back to the overview</Link>
    </EmptyState>
  );
}
