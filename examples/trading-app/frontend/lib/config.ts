import { readFlags, type FeatureFlags } from "./flags";

/** The build's configuration. Values are inlined by Next at build time (NEXT_PUBLIC_*). */
export interface AppConfig {
  /** API base URL without a trailing slash; "" when not configured. */
  apiUrl: string;
  flags: FeatureFlags;
}

/** Trims blanks and trailing slashes: "https://x/live/" -> "https://x/live". */
export function normalizeBaseUrl(value: string | undefined | null): string {
  return (value ?? "").trim().replace(/\/+$/, "");
}

/**
 * Each variable is named in full (process.env.NEXT_PUBLIC_...) so that Next replaces it with
 * its value in the browser bundle; tests set them with vi.stubEnv before rendering.
 */
export function getConfig(): AppConfig {
  return {
    apiUrl: normalizeBaseUrl(process.env.NEXT_PUBLIC_API_URL),
    flags: readFlags({
      NEXT_PUBLIC_FEATURE_AI_ASSISTANT: process.env.NEXT_PUBLIC_FEATURE_AI_ASSISTANT,
      NEXT_PUBLIC_FEATURE_PAPER_TRADING: process.env.NEXT_PUBLIC_FEATURE_PAPER_TRADING,
      NEXT_PUBLIC_FEATURE_LIVE_TRADING: process.env.NEXT_PUBLIC_FEATURE_LIVE_TRADING,
    }),
  };
}
