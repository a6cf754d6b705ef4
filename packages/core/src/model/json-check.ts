import { ValidationError } from '../errors/validation-error.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 100;

/** Refuses a string that a database would refuse: NUL (PostgreSQL) or a lone UTF-16 surrogate; throws a ValidationError naming `field`. */
export function checkString(s: string, field: string): void {
  if (s.includes('\u0000')) throw new ValidationError(field, 'contains NUL (\\u0000), which databases refuse');
  if (LONE_SURROGATE.test(s)) throw new ValidationError(field, 'contains a lone UTF-16 surrogate');
}

function walk(value: unknown, field: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError(field, `${value} is not JSON`);
      return;
    case 'string':
      return checkString(value, field);
    case 'object':
      break;
    default:
      throw new ValidationError(field, `${typeof value} is not JSON`);
  }
  if (value === null) return;
  if (ancestors.has(value)) throw new ValidationError(field, 'circular reference');
  if (ancestors.size >= MAX_DEPTH) throw new ValidationError(field, `nested deeper than ${MAX_DEPTH} levels`);
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], `${field}[${i}]`, ancestors);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new ValidationError(field, 'is not a plain object');
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new ValidationError(`${field}.${key}`, 'this key is not allowed');
      checkString(key, `${field}.${key}`);
      walk((value as Record<string, unknown>)[key], `${field}.${key}`, ancestors);
    }
  }
  ancestors.delete(value);
}

/**
 * Refuses anything that is not plain JSON fit for every dialect (a non-finite number, a
 * bigint, undefined, a function, a class instance, a cycle, nesting over 100 levels, a
 * `__proto__`/`constructor`/`prototype` key, NUL, a lone surrogate): throws a ValidationError
 * naming the path of the first offence under `field` (`payload.items[3]`).
 */
export function checkJson(value: unknown, field: string): void {
  walk(value, field, new Set());
}
