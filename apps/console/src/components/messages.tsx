import type { ReactNode } from 'react';

/** A failure the reader must notice; screen readers announce it at once. */
export function ErrorAlert({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="error">
      {children}
    </p>
  );
}

/** The outcome of the reader's last action. */
export function StatusMessage({ children }: { children: ReactNode }) {
  return <p role="status">{children}</p>;
}

export function Note({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
}

export function Loading() {
  return <p>Loading…</p>;
}
