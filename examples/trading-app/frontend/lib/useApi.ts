"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { createApiClient, errorMessage, type ApiClient } from "./api";
import { getConfig } from "./config";

export type LoadState<T> =
  | { status: "not-configured" }
  | { status: "loading" }
  | { status: "error"; error: string }
  | { status: "ready"; data: T };

/** The API client of this build, or null when NEXT_PUBLIC_API_URL was empty at build time. */
export function useApiClient(): ApiClient | null {
  const { apiUrl } = getConfig();
  return useMemo(() => (apiUrl ? createApiClient({ baseUrl: apiUrl }) : null), [apiUrl]);
}

/**
 * Loads data once the page is in the browser (static export: nothing is fetched at build time).
 * `reload()` loads again; a load still running when the component goes away is aborted.
 */
export function useApiData<T>(load: (api: ApiClient, signal: AbortSignal) => Promise<T>): LoadState<T> & { reload: () => void } {
  const api = useApiClient();
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<LoadState<T>>(api ? { status: "loading" } : { status: "not-configured" });

  useEffect(() => {
    if (!api) {
      setState({ status: "not-configured" });
      return;
    }
    const controller = new AbortController();
    setState({ status: "loading" });
    load(api, controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: errorMessage(error) });
      },
    );
    return () => controller.abort();
    // `load` is a new function on each render of the caller; what is loaded depends on the API only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}
