import type { ErrorObject, Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { JsonSchema } from '../schemas/json-schema.js';
import { validationError, type ApiError } from './api-error.js';

/**
 * fastify's schema compiler for this API: bodies are checked strictly (no type coercion, no
 * unknown field removed: an unknown field is a 400), while query strings and path parameters,
 * which arrive as text, have their numbers and booleans coerced and their defaults filled in.
 */
export async function createRequestValidatorCompiler(): Promise<FastifySchemaCompiler<JsonSchema>> {
  // loaded here, not at import: a process that only imports this package (every `rookery`
  // command does, for the node probes) does not pay for loading ajv
  const { Ajv } = await import('ajv');
  const common: Options = {
    allErrors: false,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    formats: { 'date-time': true },
  };
  const body = new Ajv({ ...common, coerceTypes: false, useDefaults: false, removeAdditional: false });
  const text = new Ajv({ ...common, coerceTypes: true, useDefaults: true, removeAdditional: false });
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema);
}

/** The field an ajv error is about, as a dotted path (`trigger.everyMs`, `policies.retry`, `limit`). */
function fieldOf(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  const parts = extra === undefined ? path : [...path, extra];
  return parts.reduce(
    (field, part) => (/^\d+$/.test(part) ? `${field}[${part}]` : field === '' ? part : `${field}.${part}`),
    '',
  );
}

/** What ajv said, for people. */
function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'enum')
    return `must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
  const described = (error.parentSchema as { description?: unknown } | undefined)?.description;
  if (error.keyword === 'pattern' && typeof described === 'string') return `must be ${described}`;
  return error.message ?? 'is not valid';
}

/**
 * The 400 for a request fastify's validation refused: it names the field (`limit`,
 * `trigger.everyMs`, `schedules[2].name`), or the part (`body`, `querystring`) when the fault
 * is the part as a whole.
 */
export function requestValidationError(errors: readonly ErrorObject[], part: string): ApiError {
  const first = errors[0];
  if (!first) return validationError(part, 'is not valid');
  return validationError(fieldOf(first) || part, messageOf(first));
}
