// Validation of request input. Every failure is a 400 whose message starts with the field.

import { badRequest } from './http';

export type JsonObject = Record<string, unknown>;

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw badRequest(field, 'must be a JSON object');
  return value;
}

export function requireString(
  obj: JsonObject,
  field: string,
  options: { maxLength?: number; pattern?: RegExp; hint?: string; path?: string } = {},
): string {
  const name = options.path ?? field;
  const value = obj[field];
  if (value === undefined || value === null) throw badRequest(name, 'is required');
  return checkString(value, name, options);
}

export function optionalString(
  obj: JsonObject,
  field: string,
  options: { maxLength?: number; pattern?: RegExp; hint?: string; path?: string; allowEmpty?: boolean } = {},
): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  return checkString(value, options.path ?? field, options);
}

function checkString(
  value: unknown,
  name: string,
  options: { maxLength?: number; pattern?: RegExp; hint?: string; allowEmpty?: boolean },
): string {
  if (typeof value !== 'string') throw badRequest(name, 'must be a string');
  if (!options.allowEmpty && value.trim() === '') throw badRequest(name, 'must not be empty');
  const maxLength = options.maxLength ?? 200;
  if (value.length > maxLength) throw badRequest(name, `must be at most ${maxLength} characters`);
  if (options.pattern && !options.pattern.test(value)) {
    throw badRequest(name, options.hint ?? `must match ${options.pattern.source}`);
  }
  return value;
}

export function requireNumber(
  obj: JsonObject,
  field: string,
  range: { greaterThan?: number; min?: number; max?: number },
): number {
  const value = obj[field];
  if (value === undefined || value === null) throw badRequest(field, 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(field, 'must be a number');
  if (range.greaterThan !== undefined && !(value > range.greaterThan)) {
    throw badRequest(field, `must be greater than ${range.greaterThan}`);
  }
  if (range.min !== undefined && range.max !== undefined && (value < range.min || value > range.max)) {
    throw badRequest(field, `must be between ${range.min} and ${range.max}`);
  }
  if (range.min !== undefined && value < range.min) throw badRequest(field, `must be at least ${range.min}`);
  if (range.max !== undefined && value > range.max) throw badRequest(field, `must be at most ${range.max}`);
  return value;
}

/** An id taken from the path (or a body reference): 1-128 characters, no spaces or slashes. */
export function requireId(value: string | undefined, field = 'id'): string {
  if (value === undefined || value === '') throw badRequest(field, 'is required');
  if (!ID_PATTERN.test(value)) {
    throw badRequest(field, 'must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  }
  return value;
}

export function checkRunId(value: unknown, field = 'runId'): string {
  if (typeof value !== 'string' || !RUN_ID_PATTERN.test(value)) {
    throw badRequest(field, 'must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  }
  return value;
}

/** ?limit= of the list endpoints: 1..100, default 100. */
export function parseLimit(query: Record<string, string>, fallback = 100): number {
  const raw = query.limit;
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw badRequest('limit', 'must be an integer between 1 and 100');
  const limit = Number(raw);
  if (limit < 1 || limit > 100) throw badRequest('limit', 'must be an integer between 1 and 100');
  return limit;
}
