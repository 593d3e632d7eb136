/** Client-side validation of the risk profile form (the API validates again). */

export interface RiskProfile {
  maxPositionSize: number;
  maxDailyLoss: number;
  maxLeverage: number;
}

export type RiskProfileField = keyof RiskProfile;

/** What the form holds: the raw text of each input. */
export type RiskProfileInput = Record<RiskProfileField, string | number>;

export type RiskProfileErrors = Partial<Record<RiskProfileField, string>>;

export type ValidationResult =
  | { ok: true; value: RiskProfile }
  | { ok: false; errors: RiskProfileErrors };

export const LEVERAGE_MIN = 1;
export const LEVERAGE_MAX = 100;

/** A decimal number as typed: "12", "12.5", ".5", "1e3" are accepted; "12abc", "" are not. */
export function parseNumber(raw: string | number): number | null {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : null;
  const text = raw.trim();
  if (text === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export function validateRiskProfile(input: RiskProfileInput): ValidationResult {
  const errors: RiskProfileErrors = {};
  const positive = (field: RiskProfileField, label: string): number | null => {
    const value = parseNumber(input[field]);
    if (value === null) errors[field] = `${label} must be a number.`;
    else if (value <= 0) errors[field] = `${label} must be greater than 0.`;
    return value;
  };
  const maxPositionSize = positive("maxPositionSize", "Max position size");
  const maxDailyLoss = positive("maxDailyLoss", "Max daily loss");
  const maxLeverage = parseNumber(input.maxLeverage);
  if (maxLeverage === null) errors.maxLeverage = "Max leverage must be a number.";
  else if (maxLeverage < LEVERAGE_MIN || maxLeverage > LEVERAGE_MAX)
    errors.maxLeverage = `Max leverage must be between ${LEVERAGE_MIN} and ${LEVERAGE_MAX}.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      maxPositionSize: maxPositionSize as number,
      maxDailyLoss: maxDailyLoss as number,
      maxLeverage: maxLeverage as number,
    },
  };
}

/** Ids as the API takes them: 1 to 128 characters, a letter or digit first, then also _ . : - */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function validateProfileId(id: string): string | null {
  const text = id.trim();
  if (text === "") return "Profile id is required.";
  if (!ID_PATTERN.test(text))
    return "Profile id: up to 128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit.";
  return null;
}
