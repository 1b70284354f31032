import { type DependencyList, useCallback, useEffect, useState } from 'react';
import type { Run } from './api-guard.js';

/**
 * Loads `call` through `run` when mounted and whenever `deps` change. `loaded` turns true with the
 * first answer; `value` is the last answer, undefined if that call failed (the guard shows why).
 * `reload` loads again, after a change the page made.
 */
export function useApiResource<T>(run: Run, call: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ value: T | undefined } | null>(null);
  // `call` is rebuilt every render, so it is not a dependency: `deps` name what it reads.
  const reload = useCallback(async () => setState({ value: await run(call) }), [run, ...deps]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { loaded: state !== null, value: state?.value, reload };
}

/**
 * Polls `call` through `run` every `intervalMs`, keeping the last answer that came through (null
 * until the first); stops when unmounted.
 */
export function usePolling<T>(run: Run, call: () => Promise<T>, intervalMs: number): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      const result = await run(call);
      if (!stopped && result) setValue(result);
    };
    void poll();
    const timer = setInterval(() => void poll(), intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // `call` is rebuilt every render and reads nothing that changes, so it is not a dependency.
  }, [run, intervalMs]);
  return value;
}
