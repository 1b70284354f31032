import { type ReactNode, useCallback, useState } from 'react';
import { Unauthorized } from '../api.js';
import { ErrorAlert } from './messages.js';

/** Runs an API call; a refused token signs out, any other failure is shown. */
export type Run = <T>(call: () => Promise<T>) => Promise<T | undefined>;

/** Gives its page a `run` for API calls and shows the last call's failure above the page. */
export function ApiGuard({
  onUnauthorized,
  children,
}: {
  onUnauthorized: () => void;
  children: (run: Run) => ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback<Run>(
    async (call) => {
      try {
        setError(null);
        return await call();
      } catch (failure) {
        if (failure instanceof Unauthorized) onUnauthorized();
        else setError(failure instanceof Error ? failure.message : String(failure));
        return undefined;
      }
    },
    [onUnauthorized],
  );
  return (
    <>
      {error && <ErrorAlert>{error}</ErrorAlert>}
      {children(run)}
    </>
  );
}
