import { Layout } from './components/layout';
import { ToastProvider } from './components/toasts';
import { ErrorState, Spinner } from './components/ui';
import { MeProvider, useMeState } from './lib/me';
import { matchPath, ParamsProvider, useLocation } from './lib/router';
import { NotFoundPage } from './pages/home/not-found.page';
import { SignInPage } from './pages/home/sign-in.page';
import { routes } from './routes';
import { useEffect } from 'react';

function CurrentPage(props: { isAdmin: boolean }) {
  const { pathname } = useLocation();
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    if (route.admin && !props.isAdmin) return <NotFoundPage adminOnly />;
    return (
      <ParamsProvider params={params} key={route.path + JSON.stringify(params)}>
        <Title title={route.title} />
        {route.element}
      </ParamsProvider>
    );
  }
  return <NotFoundPage />;
}

function Title(props: { title: string }) {
  useEffect(() => {
    document.title = `${props.title} · Nanopod`;
  }, [props.title]);
  return null;
}

function Gate() {
  const { state, reload } = useMeState();
  switch (state.status) {
    case 'loading':
      return (
        <div className="center-screen">
          <Spinner />
        </div>
      );
    case 'signed-out':
      return <SignInPage />;
    case 'error':
      return (
        <div className="center-screen">
          <ErrorState error={state.error} onRetry={() => void reload()} />
        </div>
      );
    case 'signed-in':
      return (
        <Layout me={state.me} isAdmin={state.isAdmin}>
          <CurrentPage isAdmin={state.isAdmin} />
        </Layout>
      );
  }
}

export function App() {
  return (
    <ToastProvider>
      <MeProvider>
        <Gate />
      </MeProvider>
    </ToastProvider>
  );
}
