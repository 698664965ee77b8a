import { createContext, ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { ApiError } from '../api';

interface Toast {
  id: number;
  kind: 'error' | 'success' | 'info';
  title: string;
  message?: string;
}

interface Toaster {
  /** Shows an error; an ApiError shows its `code` and `message`. */
  error: (err: unknown, title?: string) => void;
  success: (title: string, message?: string) => void;
  info: (title: string, message?: string) => void;
}

const ToastContext = createContext<Toaster>({
  error: () => undefined,
  success: () => undefined,
  info: () => undefined,
});

let nextId = 1;

export function ToastProvider(props: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (t: Omit<Toast, 'id'>) => {
      const id = nextId++;
      setToasts((list) => [...list.slice(-4), { ...t, id }]);
      setTimeout(() => dismiss(id), t.kind === 'error' ? 8000 : 4000);
    },
    [dismiss],
  );
  const toaster = useMemo<Toaster>(
    () => ({
      error: (err, title) => {
        if (err instanceof ApiError)
          push({ kind: 'error', title: title ?? err.code, message: err.message });
        else
          push({
            kind: 'error',
            title: title ?? 'Error',
            message: String((err as Error)?.message ?? err),
          });
      },
      success: (title, message) => push({ kind: 'success', title, message }),
      info: (title, message) => push({ kind: 'info', title, message }),
    }),
    [push],
  );
  return (
    <ToastContext.Provider value={toaster}>
      {props.children}
      <div className="toasts" role="region" aria-label="Notifications">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast toast-${t.kind}`}
            role={t.kind === 'error' ? 'alert' : 'status'}
          >
            <div className="toast-body">
              <div className="toast-title">{t.title}</div>
              {t.message && <div className="toast-message">{t.message}</div>}
            </div>
            <button className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Toaster {
  return useContext(ToastContext);
}
