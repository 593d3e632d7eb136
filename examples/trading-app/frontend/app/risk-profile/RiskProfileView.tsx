"use client";

import { useState, type FormEvent } from "react";
import { ErrorBox, NotConfigured } from "@/components/Status";
import { errorMessage } from "@/lib/api";
import { getConfig } from "@/lib/config";
import { useApiClient } from "@/lib/useApi";
import {
  LEVERAGE_MAX,
  LEVERAGE_MIN,
  validateProfileId,
  validateRiskProfile,
  type RiskProfileErrors,
  type RiskProfileField,
} from "@/lib/validation";

const FIELDS: { name: RiskProfileField; label: string; hint: string; min: number; max?: number; step: string }[] = [
  { name: "maxPositionSize", label: "Max position size", hint: "Largest position, in quote currency (> 0).", min: 0, step: "any" },
  { name: "maxDailyLoss", label: "Max daily loss", hint: "Trading stops for the day past this loss (> 0).", min: 0, step: "any" },
  {
    name: "maxLeverage",
    label: "Max leverage",
    hint: `From ${LEVERAGE_MIN} to ${LEVERAGE_MAX}.`,
    min: LEVERAGE_MIN,
    max: LEVERAGE_MAX,
    step: "any",
  },
];

export function RiskProfileView() {
  const { apiUrl } = getConfig();
  const api = useApiClient();
  const [profileId, setProfileId] = useState("default");
  const [values, setValues] = useState<Record<RiskProfileField, string>>({
    maxPositionSize: "",
    maxDailyLoss: "",
    maxLeverage: "1",
  });
  const [errors, setErrors] = useState<RiskProfileErrors>({});
  const [idError, setIdError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    const idProblem = validateProfileId(profileId);
    const checked = validateRiskProfile(values);
    setIdError(idProblem);
    setErrors(checked.ok ? {} : checked.errors);
    if (idProblem || !checked.ok || !api) return;
    setBusy(true);
    try {
      await api.updateRiskProfile(profileId.trim(), checked.value);
      setResult({ ok: true, message: `Saved risk profile "${profileId.trim()}".` });
    } catch (error) {
      setResult({ ok: false, message: `Could not save the risk profile: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Risk profile</h1>
      <p className="note">Limits every strategy of the profile must respect. The API checks them again.</p>
      {!apiUrl ? <NotConfigured /> : null}
      <section className="card">
        <form onSubmit={submit} noValidate aria-label="Risk profile">
          <div className="field">
            <label htmlFor="profileId">Profile id</label>
            <input
              id="profileId"
              value={profileId}
              onChange={(e) => setProfileId(e.target.value)}
              aria-invalid={idError ? true : undefined}
              aria-describedby={idError ? "profileId-error" : undefined}
            />
            {idError ? (
              <span id="profileId-error" className="field-error">
                {idError}
              </span>
            ) : null}
          </div>
          {FIELDS.map((field) => {
            const error = errors[field.name];
            return (
              <div className="field" key={field.name}>
                <label htmlFor={field.name}>{field.label}</label>
                <input
                  id={field.name}
                  name={field.name}
                  type="number"
                  inputMode="decimal"
                  min={field.min}
                  max={field.max}
                  step={field.step}
                  value={values[field.name]}
                  onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={`${field.name}-${error ? "error" : "hint"}`}
                />
                {error ? (
                  <span id={`${field.name}-error`} className="field-error">
                    {error}
                  </span>
                ) : (
                  <span id={`${field.name}-hint`} className="hint">
                    {field.hint}
                  </span>
                )}
              </div>
            );
          })}
          <button type="submit" className="button" disabled={busy || !api}>
            {busy ? "Saving…" : "Save risk profile"}
          </button>
        </form>
        {result ? (
          result.ok ? (
            <p className="notice notice-ok" role="status">
              {result.message}
            </p>
          ) : (
            <ErrorBox message={result.message} />
          )
        ) : null}
      </section>
    </>
  );
}
