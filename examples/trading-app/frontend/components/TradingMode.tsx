import type { FeatureFlags } from "@/lib/flags";
import { tradingMode } from "@/lib/flags";

/** In the header: a red "LIVE TRADING" badge only when live trading is on, else a quiet note. */
export function TradingModeBadge({ flags }: { flags: FeatureFlags }) {
  const mode = tradingMode(flags);
  if (mode === "live") {
    return (
      <span className="badge badge-live" role="status" title="Orders use real funds">
        LIVE TRADING
      </span>
    );
  }
  if (mode === "paper") {
    return (
      <span className="badge badge-paper" title="Orders go to paper (simulated) accounts">
        Paper trading
      </span>
    );
  }
  return <span className="badge badge-off">Trading off</span>;
}

/** A sentence for the pages where orders could be placed. */
export function TradingModeNote({ flags }: { flags: FeatureFlags }) {
  const mode = tradingMode(flags);
  if (mode === "live") {
    return (
      <p className="note note-live">
        Live trading is on: strategies you start trade with real funds on the connected exchanges.
      </p>
    );
  }
  if (mode === "paper") {
    return (
      <p className="note note-paper">
        Paper trading: strategies trade against simulated accounts; no real funds are used.
      </p>
    );
  }
  return <p className="note">Trading is turned off in this environment: strategies can be created but not run.</p>;
}
