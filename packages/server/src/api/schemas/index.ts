/**
 * The JSON schemas of the HTTP API, in one place: what each route accepts (inputs.ts) and
 * answers (model.ts). fastify validates requests with them and the OpenAPI document is built
 * from them.
 */
export * from './json-schema.js';
export * from './inputs.js';
export * from './model.js';
