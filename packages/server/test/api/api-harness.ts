import { Ajv, type ValidateFunction } from 'ajv';
import { RookeryClient, type Datastore } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import type { FastifyInstance, InjectOptions } from 'fastify';
import {
  ROOKERY_TABLES,
  testDialects,
  type TestDatabase,
  type TestDialect,
} from '../../../datastore-sql/test/helpers/test-databases.js';
import { createApiServer, type ApiServerOptions, type JsonSchema, type Role } from '../../src/index.js';

/** The token of each role the test servers accept. */
export const TOKENS: Record<Role, string> = {
  read: 'read-token-0123456789abcdef',
  operate: 'operate-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};

/** The Authorization header of `role`'s token. */
export function bearer(role: Role): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[role]}` };
}

/** The dialects the route suites run on: SQLite and PostgreSQL (a missing server fails under CI=true). */
export async function routeDialects(): Promise<TestDialect[]> {
  return (await testDialects()).filter((d) => d.label === 'sqlite' || d.label === 'postgres');
}

/** A database for one describe block, emptied before each test. */
export class DialectStore {
  private db: TestDatabase | undefined;
  private current: SqlDatastore | undefined;

  /** @param dialect - where the database lives */
  constructor(private readonly dialect: TestDialect) {}

  /** Creates and migrates the database (beforeAll). */
  async create(): Promise<void> {
    this.db = await this.dialect.create();
    await (await createSqlDatastore({ url: this.db.url })).close();
  }

  /** A store on the emptied database (beforeEach). */
  async open(): Promise<SqlDatastore> {
    this.current = await createSqlDatastore({ url: this.db?.url ?? '', migrate: false, poolMax: 4 });
    for (const table of ROOKERY_TABLES) await this.current.sequelize.query(`DELETE FROM ${table}`);
    return this.current;
  }

  /** Closes the store (afterEach). */
  async close(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  /** Drops the database (afterAll). */
  async drop(): Promise<void> {
    await this.db?.drop();
  }
}

/** A server over `datastore` with the three test tokens; errors it reports are collected in `errors`. */
export async function apiServer(
  datastore: Datastore,
  extra: Partial<ApiServerOptions> = {},
): Promise<{ app: FastifyInstance; client: RookeryClient; errors: Error[] }> {
  const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
  const errors: Error[] = [];
  const tokens = (Object.keys(TOKENS) as Role[]).map((role) => ({ role, token: TOKENS[role] }));
  const app = await createApiServer({ client, tokens, logPollMs: 20, onError: (e) => errors.push(e), ...extra });
  return { app, client, errors };
}

/** An answer of `inject`, its body parsed. */
export interface Answer {
  /** HTTP status. */
  status: number;
  /** The parsed JSON body (undefined for an empty one). */
  body: unknown;
  /** The raw body. */
  text: string;
  /** Headers. */
  headers: Record<string, unknown>;
}

/** Sends a request to `app` (as `role`, or with `headers`) and parses the answer. */
export async function call(app: FastifyInstance, options: InjectOptions & { role?: Role }): Promise<Answer> {
  const { role, headers, ...rest } = options;
  const response = await app.inject({ ...rest, headers: { ...(role ? bearer(role) : {}), ...headers } });
  const text = response.body;
  const json = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return {
    status: response.statusCode,
    text,
    headers: response.headers,
    body: json ? (JSON.parse(text) as unknown) : text === '' ? undefined : text,
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'date-time': (s: string) => ISO.test(s) } });
const compiled = new Map<JsonSchema, ValidateFunction>();

/** Throws unless `body` matches `schema` (a route's response schema), listing what does not. */
export function expectMatches(schema: JsonSchema, body: unknown, what: string): void {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(body))
    throw new Error(
      `${what}: the answer does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    );
}
