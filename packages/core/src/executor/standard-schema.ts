/**
 * The Standard Schema interface (version 1, https://standardschema.dev): what zod, valibot,
 * arktype and other validators expose as their `~standard` property, so that Rookery accepts
 * any of them without depending on one. Types only, written from the specification.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** The types of the Standard Schema interface. */
export declare namespace StandardSchemaV1 {
  /** The standard properties of a schema. */
  export interface Props<Input = unknown, Output = Input> {
    /** Version of the specification: 1. */
    readonly version: 1;
    /** The validation library (`zod`, `valibot`...). */
    readonly vendor: string;
    /** Validates an unknown value: its output, or the issues found. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Type-only: the schema's input and output types. */
    readonly types?: Types<Input, Output> | undefined;
  }

  /** What a validation gives: a value, or issues. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;

  /** A value that passed. */
  export interface SuccessResult<Output> {
    /** The schema's output for the value. */
    readonly value: Output;
    /** No issues. */
    readonly issues?: undefined;
  }

  /** A value that did not pass. */
  export interface FailureResult {
    /** What is wrong, at least one issue. */
    readonly issues: ReadonlyArray<Issue>;
  }

  /** One thing wrong with a value. */
  export interface Issue {
    /** What is wrong. */
    readonly message: string;
    /** Where in the value, from its root. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  /** One step of an issue's path, as an object. */
  export interface PathSegment {
    /** The key of this step. */
    readonly key: PropertyKey;
  }

  /** The types a schema carries. */
  export interface Types<Input = unknown, Output = Input> {
    /** What the schema accepts. */
    readonly input: Input;
    /** What it gives back. */
    readonly output: Output;
  }

  /** The input type of a schema. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];

  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}
