"use client";

import { useState, type FormEvent } from "react";
import { ErrorBox, Loaded, NotConfigured } from "@/components/Status";
import { TradingModeNote } from "@/components/TradingMode";
import { errorMessage, type Strategy, type StrategyTemplate } from "@/lib/api";
import { getConfig } from "@/lib/config";
import { useApiClient, useApiData } from "@/lib/useApi";

/** The text shown in a parameter input for a template default. */
export function paramText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Converts what was typed back to the type of the template's default: numbers stay numbers,
 * booleans booleans, objects and arrays are parsed as JSON; anything else is kept as text.
 */
export function parseParam(text: string, template: unknown): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (typeof template === "number") {
    const value = Number(trimmed);
    return trimmed !== "" && Number.isFinite(value) ? { value } : { error: "must be a number" };
  }
  if (typeof template === "boolean") {
    if (trimmed === "true" || trimmed === "false") return { value: trimmed === "true" };
    return { error: "must be true or false" };
  }
  if (typeof template === "object" && template !== null) {
    try {
      return { value: JSON.parse(trimmed) };
    } catch {
      return { error: "must be JSON" };
    }
  }
  return { value: text };
}

function CreateStrategyForm({ templates, onCreated }: { templates: StrategyTemplate[]; onCreated: (s: Strategy) => void }) {
  const api = useApiClient();
  const [templateId, setTemplateId] = useState(templates[0]?.id ?? "");
  const template = templates.find((t) => t.id === templateId);
  const [name, setName] = useState("");
  const [params, setParams] = useState<Record<string, string>>(() => textParams(templates[0]));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  function textParams(t: StrategyTemplate | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(t?.parameters ?? {}).map(([k, v]) => [k, paramText(v)]));
  }

  function chooseTemplate(id: string) {
    setTemplateId(id);
    setParams(textParams(templates.find((t) => t.id === id)));
    setErrors({});
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    const found: Record<string, string> = {};
    if (!template) found.templateId = "Choose a template.";
    if (name.trim() === "") found.name = "Name is required.";
    const parameters: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(params)) {
      const parsed = parseParam(text, template?.parameters[key]);
      if ("error" in parsed) found[`param:${key}`] = `${key} ${parsed.error}.`;
      else parameters[key] = parsed.value;
    }
    setErrors(found);
    if (Object.keys(found).length > 0 || !api || !template) return;
    setBusy(true);
    try {
      const created = await api.createStrategy({ templateId: template.id, name: name.trim(), parameters });
      setResult({ ok: true, message: `Created strategy "${created.name || name.trim()}".` });
      setName("");
      onCreated(created);
    } catch (error) {
      setResult({ ok: false, message: `Could not create the strategy: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  if (templates.length === 0) return <p className="muted">No templates to create a strategy from.</p>;
  return (
    <form onSubmit={submit} noValidate aria-label="Create strategy">
      <div className="field">
        <label htmlFor="templateId">Template</label>
        <select id="templateId" value={templateId} onChange={(e) => chooseTemplate(e.target.value)}>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        {errors.templateId ? <span className="field-error">{errors.templateId}</span> : null}
      </div>
      <div className="field">
        <label htmlFor="strategyName">Name</label>
        <input
          id="strategyName"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? "strategyName-error" : undefined}
        />
        {errors.name ? (
          <span id="strategyName-error" className="field-error">
            {errors.name}
          </span>
        ) : null}
      </div>
      {Object.keys(params).map((key) => (
        <div className="field" key={`${templateId}:${key}`}>
          <label htmlFor={`param-${key}`}>{key}</label>
          <input
            id={`param-${key}`}
            className="mono"
            value={params[key]}
            onChange={(e) => setParams({ ...params, [key]: e.target.value })}
            aria-invalid={errors[`param:${key}`] ? true : undefined}
          />
          {errors[`param:${key}`] ? <span className="field-error">{errors[`param:${key}`]}</span> : null}
        </div>
      ))}
      <button type="submit" className="button" disabled={busy}>
        {busy ? "Creating…" : "Create strategy"}
      </button>
      {result ? (
        result.ok ? (
          <p className="notice notice-ok" role="status">
            {result.message}
          </p>
        ) : (
          <ErrorBox message={result.message} />
        )
      ) : null}
    </form>
  );
}

export function StrategiesView() {
  const { apiUrl, flags } = getConfig();
  const templates = useApiData((api, signal) => api.listStrategyTemplates(signal));
  const strategies = useApiData((api, signal) => api.listStrategies(signal));

  return (
    <>
      <h1>Strategies</h1>
      <TradingModeNote flags={flags} />
      {!apiUrl ? <NotConfigured /> : null}
      <div className="columns">
        <section className="card" aria-labelledby="strategies-title">
          <h2 id="strategies-title">Your strategies</h2>
          {apiUrl ? (
            <Loaded state={strategies} what="strategies">
              {(list) =>
                list.length === 0 ? (
                  <p className="muted">No strategies yet.</p>
                ) : (
                  <ul className="list" aria-label="Strategies">
                    {list.map((s) => (
                      <li key={s.id || s.name}>
                        <span>
                          {s.name} {s.templateId ? <span className="muted">({s.templateId})</span> : null}
                        </span>
                        {s.status ? <span className="pill pill-warn">{s.status}</span> : null}
                      </li>
                    ))}
                  </ul>
                )
              }
            </Loaded>
          ) : null}
        </section>
        <section className="card" aria-labelledby="templates-title">
          <h2 id="templates-title">Templates</h2>
          {apiUrl ? (
            <Loaded state={templates} what="strategy templates">
              {(list) =>
                list.length === 0 ? (
                  <p className="muted">No templates.</p>
                ) : (
                  <ul className="list" aria-label="Strategy templates">
                    {list.map((t) => (
                      <li key={t.id}>
                        <span>
                          <strong>{t.name}</strong>
                          {t.description ? <span className="muted"> — {t.description}</span> : null}
                        </span>
                      </li>
                    ))}
                  </ul>
                )
              }
            </Loaded>
          ) : null}
        </section>
      </div>
      {apiUrl && templates.status === "ready" ? (
        <section className="card" aria-labelledby="create-title">
          <h2 id="create-title">Create a strategy</h2>
          <CreateStrategyForm templates={templates.data} onCreated={() => strategies.reload()} />
        </section>
      ) : null}
    </>
  );
}
