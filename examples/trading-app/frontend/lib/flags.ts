/** Feature flags of the build, from the NEXT_PUBLIC_FEATURE_* variables the deploy writes. */

export interface FeatureFlags {
  /** The "AI assistant" panel. */
  aiAssistant: boolean;
  /** Trading against the exchanges' paper (simulated) accounts. */
  paperTrading: boolean;
  /** Trading with real funds. Shows a "LIVE TRADING" badge everywhere. */
  liveTrading: boolean;
}

/** What the header says about trading: live wins over paper; neither means trading is off. */
export type TradingMode = "live" | "paper" | "off";

/** Used when a variable is missing (no .env.production.local): the safe choice for each flag. */
export const DEFAULT_FLAGS: Readonly<FeatureFlags> = Object.freeze({
  aiAssistant: false,
  paperTrading: true,
  liveTrading: false,
});

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/**
 * Reads one flag value. "true"/"1"/"yes"/"on" (any case, surrounding blanks ignored) are true,
 * "false"/"0"/"no"/"off" are false; a missing, empty or unrecognised value gives `fallback`.
 */
export function parseFlag(value: string | undefined | null, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return fallback;
}

export interface FlagEnv {
  NEXT_PUBLIC_FEATURE_AI_ASSISTANT?: string;
  NEXT_PUBLIC_FEATURE_PAPER_TRADING?: string;
  NEXT_PUBLIC_FEATURE_LIVE_TRADING?: string;
}

export function readFlags(env: FlagEnv): FeatureFlags {
  return {
    aiAssistant: parseFlag(env.NEXT_PUBLIC_FEATURE_AI_ASSISTANT, DEFAULT_FLAGS.aiAssistant),
    paperTrading: parseFlag(env.NEXT_PUBLIC_FEATURE_PAPER_TRADING, DEFAULT_FLAGS.paperTrading),
    liveTrading: parseFlag(env.NEXT_PUBLIC_FEATURE_LIVE_TRADING, DEFAULT_FLAGS.liveTrading),
  };
}

export function tradingMode(flags: FeatureFlags): TradingMode {
  if (flags.liveTrading) return "live";
  if (flags.paperTrading) return "paper";
  return "off";
}
