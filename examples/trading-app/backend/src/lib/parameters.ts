// Strategy parameters: a template declares them (name -> type and optional default), a
// strategy gives their values, checked against the template.

import { badRequest } from './http';
import { isObject } from './validation';

export const PARAMETER_TYPES = ['number', 'string', 'boolean'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
export type ParameterValue = number | string | boolean;

export interface ParameterSpec {
  type: ParameterType;
  default?: ParameterValue;
  description?: string;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_PARAMETERS = 50;
const MAX_STRING_VALUE = 1000;
const SPEC_KEYS = ['type', 'default', 'description'];

function checkValue(type: ParameterType, value: unknown, field: string): ParameterValue {
  switch (type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(field, 'must be a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw badRequest(field, 'must be a boolean');
      return value;
    case 'string':
      if (typeof value !== 'string') throw badRequest(field, 'must be a string');
      if (value.length > MAX_STRING_VALUE) throw badRequest(field, `must be at most ${MAX_STRING_VALUE} characters`);
      return value;
  }
}

/** The `parameters` of a template: {<name>: {type, default?, description?}}. */
export function parseParameterSpecs(value: unknown, field = 'parameters'): Record<string, ParameterSpec> {
  if (value === undefined || value === null) throw badRequest(field, 'is required (an object, may be empty)');
  if (!isObject(value)) throw badRequest(field, 'must be an object of name -> {type, default?}');
  const names = Object.keys(value);
  if (names.length > MAX_PARAMETERS) throw badRequest(field, `must declare at most ${MAX_PARAMETERS} parameters`);

  const specs: Record<string, ParameterSpec> = {};
  for (const name of names) {
    const path = `${field}.${name}`;
    if (!NAME_PATTERN.test(name)) {
      throw badRequest(path, 'parameter names are a letter then up to 63 letters, digits or "_"');
    }
    const raw = value[name];
    if (!isObject(raw)) throw badRequest(path, 'must be an object {type, default?, description?}');
    for (const key of Object.keys(raw)) {
      if (!SPEC_KEYS.includes(key)) throw badRequest(`${path}.${key}`, `is not allowed (allowed: ${SPEC_KEYS.join(', ')})`);
    }
    const type = raw.type;
    if (typeof type !== 'string' || !(PARAMETER_TYPES as readonly string[]).includes(type)) {
      throw badRequest(`${path}.type`, `must be one of ${PARAMETER_TYPES.join(', ')}`);
    }
    const spec: ParameterSpec = { type: type as ParameterType };
    if (raw.default !== undefined) spec.default = checkValue(spec.type, raw.default, `${path}.default`);
    if (raw.description !== undefined) {
      if (typeof raw.description !== 'string' || raw.description.length > 500) {
        throw badRequest(`${path}.description`, 'must be a string of at most 500 characters');
      }
      spec.description = raw.description;
    }
    specs[name] = spec;
  }
  return specs;
}

/**
 * The values of a strategy's parameters: every given one declared by the template and of its
 * type; the template's defaults fill in the others; one without value or default is a 400.
 */
export function resolveParameters(
  specs: Record<string, ParameterSpec>,
  value: unknown,
  templateId: string,
  field = 'parameters',
): Record<string, ParameterValue> {
  if (value === null || (value !== undefined && !isObject(value))) throw badRequest(field, 'must be an object of name -> value');
  const given = (value ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(specs, name)) {
      throw badRequest(`${field}.${name}`, `is not a parameter of strategy template ${templateId}`);
    }
  }
  const resolved: Record<string, ParameterValue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (given[name] !== undefined) resolved[name] = checkValue(spec.type, given[name], `${field}.${name}`);
    else if (spec.default !== undefined) resolved[name] = spec.default;
    else throw badRequest(`${field}.${name}`, 'is required (the template declares no default)');
  }
  return resolved;
}
