/** An error answer of the API (`{ error: { code, message, field?, required? } }`) or a network failure. */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The API's error code (`unauthorized`, `forbidden`, `validation`, `not_found`, `conflict`, ...). */
  readonly code: string;
  /** For a validation error, the field at fault. */
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Builds the {@link ApiError} of a non-2xx response, reading its JSON error body when there is one. */
export async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined; // not JSON: the status text says what happened
  }
  const error =
    typeof body === 'object' && body !== null
      ? (body as { error?: { code?: string; message?: string; field?: string } }).error
      : undefined;
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? response.statusText,
    error?.field,
  );
}
