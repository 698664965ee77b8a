import { createContext, ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, ApiError, onUnauthorized } from '../api';
import type { components } from '../generated/api-types';

/** GET /v1/me, generated from the API document. */
export type Me = components['schemas']['MeDto'];

export type MeState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'error'; error: ApiError }
  | { status: 'signed-in'; me: Me; isAdmin: boolean };

interface MeContextValue {
  state: MeState;
  reload: () => Promise<void>;
}

const MeContext = createContext<MeContextValue>({
  state: { status: 'loading' },
  reload: async () => undefined,
});

export function MeProvider(props: { children: ReactNode }) {
  const [state, setState] = useState<MeState>({ status: 'loading' });
  const reload = useCallback(async () => {
    try {
      const me = await api.get<Me>('/v1/me');
      setState({ status: 'signed-in', me, isAdmin: me.roles.includes('admin') });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ status: 'signed-out' });
      else
        setState({
          status: 'error',
          error: err instanceof ApiError ? err : new ApiError(0, 'client.error', String(err)),
        });
    }
  }, []);
  useEffect(() => {
    void reload();
    onUnauthorized(() => void reload());
    return () => onUnauthorized(undefined);
  }, [reload]);
  return <MeContext.Provider value={{ state, reload }}>{props.children}</MeContext.Provider>;
}

export function useMeState(): MeContextValue {
  return useContext(MeContext);
}

/** The signed-in user. Pages render only when signed in, so this is always set inside a page. */
export function useMe(): { me: Me; isAdmin: boolean } {
  const { state } = useContext(MeContext);
  if (state.status !== 'signed-in') throw new Error('useMe() used outside a signed-in page');
  return { me: state.me, isAdmin: state.isAdmin };
}

/** Where the sign-in link and the sign-out form go (identity's browser flow; sign-out is a POST). */
export function loginHref(returnTo: string = window.location.pathname): string {
  return `/auth/login?return_to=${encodeURIComponent(returnTo)}`;
}
export const LOGOUT_HREF = '/auth/logout';
