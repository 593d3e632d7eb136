import type { ReactNode } from "react";
import type { LoadState } from "@/lib/useApi";

export function NotConfigured() {
  return (
    <div className="notice notice-warn" role="status">
      <strong>API not configured.</strong> This build has no <code>NEXT_PUBLIC_API_URL</code>: set it in{" "}
      <code>.env.production.local</code> and build again.
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <span>{message}</span>
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Shows the loading, error and not-configured states, and `children(data)` once loaded. */
export function Loaded<T>({
  state,
  what,
  children,
}: {
  state: LoadState<T> & { reload?: () => void };
  what: string;
  children: (data: T) => ReactNode;
}) {
  switch (state.status) {
    case "not-configured":
      return <NotConfigured />;
    case "loading":
      return <Loading what={what} />;
    case "error":
      return <ErrorBox message={`Could not load ${what}: ${state.error}`} onRetry={state.reload} />;
    case "ready":
      return <>{children(state.data)}</>;
  }
}
