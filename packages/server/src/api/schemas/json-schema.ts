/**
 * A JSON Schema (draft 7, the dialect fastify's ajv and OpenAPI 3.0 share), as plain data.
 * Only the keywords this API uses are typed; ajv checks them, the OpenAPI document shows them.
 */
export interface JsonSchema {
  /** The JSON type(s). */
  type?:
    | 'object'
    | 'array'
    | 'string'
    | 'number'
    | 'integer'
    | 'boolean'
    | 'null'
    | ('string' | 'number' | 'integer' | 'null' | 'object' | 'boolean' | 'array')[];
  /** For people. */
  description?: string;
  /** Properties of an object. */
  properties?: Record<string, JsonSchema>;
  /** Properties an object must have. */
  required?: string[];
  /** False: an object may hold no other property (a 400 naming it). */
  additionalProperties?: boolean | JsonSchema;
  /** Schema of each array item. */
  items?: JsonSchema;
  /** Allowed values. */
  enum?: readonly (string | number | boolean | null)[];
  /** A string format (`date-time`), shown in the OpenAPI document. */
  format?: string;
  /** A string pattern. */
  pattern?: string;
  /** Bounds. */
  minimum?: number;
  /** Bounds. */
  maximum?: number;
  /** Bounds. */
  minLength?: number;
  /** Bounds. */
  maxLength?: number;
  /** Bounds. */
  maxItems?: number;
  /** A value used when the field is left out. */
  default?: unknown;
  /** One of these. */
  anyOf?: JsonSchema[];
}

/** A schema that accepts any JSON value. */
export const ANY_JSON: JsonSchema = { description: 'any JSON value' };

/** An ISO-8601 instant (`2026-12-07T00:00:00.000Z`). */
export const INSTANT: JsonSchema = { type: 'string', format: 'date-time' };

/** An ISO-8601 instant, or null. */
export const INSTANT_OR_NULL: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

/** An instant as input: an ISO-8601 string or epoch milliseconds. */
export const INSTANT_INPUT: JsonSchema = {
  type: ['string', 'number'],
  description: 'ISO-8601 string or epoch milliseconds',
};

/** An object schema whose every listed property is required and no other is allowed. */
export function strictObject(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}
