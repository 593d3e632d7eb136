"use client";

import { AiAssistantPanel } from "@/components/AiAssistantPanel";
import { Loaded, NotConfigured } from "@/components/Status";
import { TradingModeNote } from "@/components/TradingMode";
import type { Health } from "@/lib/api";
import { getConfig } from "@/lib/config";
import { useApiData, type LoadState } from "@/lib/useApi";

function statusClass(status: string): string {
  const s = status.toLowerCase();
  if (s === "ok" || s === "healthy" || s === "pass") return "pill pill-ok";
  if (s === "degraded" || s === "warn") return "pill pill-warn";
  return "pill pill-bad";
}

function HealthCard({ health }: { health: Health }) {
  return (
    <>
      <p>
        Status: <span className={statusClass(health.status)}>{health.status}</span>
      </p>
      <div className="columns">
        <div>
          <h3>Checks</h3>
          {health.checks.length === 0 ? (
            <p className="muted">No checks reported.</p>
          ) : (
            <ul className="list" aria-label="Health checks">
              {health.checks.map((check) => (
                <li key={check.name}>
                  <span>{check.name}</span>
                  <span className={check.ok ? "pill pill-ok" : "pill pill-bad"} title={check.detail}>
                    {check.ok ? "ok" : check.detail || "failing"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Credentials</h3>
          {health.credentials.length === 0 ? (
            <p className="muted">No credentials reported.</p>
          ) : (
            <ul className="list" aria-label="Credentials">
              {health.credentials.map((credential) => (
                <li key={credential.name}>
                  <code>{credential.name}</code>
                  <span className={credential.readable ? "pill pill-ok" : "pill pill-bad"}>
                    {credential.readable ? "readable" : "not readable"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </>
  );
}

function Count({ label, state }: { label: string; state: LoadState<number> }) {
  return (
    <div className="card">
      <h2>{label}</h2>
      {state.status === "ready" ? (
        <p className="count num" data-testid={`count-${label}`}>
          {state.data}
        </p>
      ) : state.status === "loading" ? (
        <p className="count muted">…</p>
      ) : state.status === "error" ? (
        <p className="field-error" title={state.error}>
          unavailable
        </p>
      ) : (
        <p className="count muted">–</p>
      )}
    </div>
  );
}

export function DashboardView() {
  const { apiUrl, flags } = getConfig();
  const health = useApiData((api, signal) => api.getHealth(signal));
  const templates = useApiData(async (api, signal) => (await api.listStrategyTemplates(signal)).length);
  const strategies = useApiData(async (api, signal) => (await api.listStrategies(signal)).length);
  const audit = useApiData(async (api, signal) => (await api.getAuditLog(signal)).length);

  return (
    <>
      <h1>Dashboard</h1>
      <TradingModeNote flags={flags} />
      {!apiUrl ? <NotConfigured /> : null}
      <section className="card" aria-labelledby="health-title">
        <h2 id="health-title">API health</h2>
        {apiUrl ? (
          <Loaded state={health} what="API health">
            {(data) => <HealthCard health={data} />}
          </Loaded>
        ) : (
          <p className="muted">No API to ask.</p>
        )}
      </section>
      <div className="grid">
        <Count label="Strategy templates" state={templates} />
        <Count label="Strategies" state={strategies} />
        <Count label="Audit entries" state={audit} />
      </div>
      {flags.aiAssistant ? (
        <AiAssistantPanel
          credentials={health.status === "ready" ? health.data.credentials : health.status === "loading" ? "loading" : "unavailable"}
        />
      ) : null}
    </>
  );
}
