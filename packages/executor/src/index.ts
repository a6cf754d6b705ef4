/**
 * Rookery executors: in-process task functions, loaders for modules of them and for executor
 * packages, the `process` (child process) and `http` (HTTP call) executors, and the worker pool
 * that bounds how many attempts a node runs at once.
 *
 * @example
 * ```ts
 * import { functionExecutors, loadFunctionModule, WorkerPool } from '@rookery/executor';
 *
 * const executors = [
 *   ...functionExecutors({
 *     'send-report': async ({ payload, signal, log }) => {
 *       log(`sending report ${JSON.stringify(payload)}`);
 *       await sendReport(payload, { signal });
 *       return { sent: true };
 *     },
 *   }),
 *   // a module whose default export is { 'resize-images': async (ctx) => ... }
 *   ...functionExecutors(await loadFunctionModule('./tasks.mjs')),
 *   processExecutor({ killGraceMs: 5_000 }), // payload { command, args?, env?, cwd?, shell? }
 *   httpExecutor({ secret: process.env.HOOK_SECRET }), // payload { url, method?, headers?, body? }
 * ];
 * const pool = new WorkerPool({ concurrency: 10, perExecutor: { 'send-report': 2 } });
 * ```
 * @packageDocumentation
 */
export {
  functionExecutors,
  assertFunctionModule,
  findNonJson,
  EXECUTOR_NAME_PATTERN,
  type TaskFunction,
  type TaskFunctionModule,
  type ExecutorDefinition,
} from './function-executor.js';
export {
  defineExecutor,
  type DefinedExecutor,
  type TypedExecutionContext,
  type TypedExecutorDefinition,
} from './define-executor.js';
export { loadFunctionModule, ExecutorLoadError } from './module-loader.js';
export { loadExecutorPackage, ExecutorPackageError, type ExecutorPackageExport } from './package-loader.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export {
  processExecutor,
  ProcessExitError,
  ABORT_SLACK_MS,
  type ProcessExecutorOptions,
  type ProcessResult,
} from './process/process-executor.js';
export { parseProcessPayload, type ProcessPayload } from './process/process-payload.js';
export { checkProcessPayload } from './process/process-check.js';
export { DEFAULT_OUTPUT_LOG_LIMITS, type OutputLogLimits } from './process/output-log.js';
export { httpExecutor, type HttpExecutorOptions, type HttpResult } from './http/http-executor.js';
export {
  HttpStatusError,
  HttpClientError,
  HttpRedirectError,
  HttpDestinationError,
  type HttpRedirectRefusal,
} from './http/http-errors.js';
export { parseAllowedOrigins } from './http/http-destination.js';
export { createMemoryReplayStore, type ReplayStore } from './http/http-replay.js';
export { parseHttpPayload, type HttpPayload } from './http/http-payload.js';
export {
  verifyRookerySignature,
  signatureHeaders,
  signingString,
  SIGNATURE_HEADERS,
  type SignedCall,
  type SigningSecret,
  type VerifySignatureInput,
  type SignatureCheck,
  type SignatureRefusal,
} from './http/http-signature.js';
