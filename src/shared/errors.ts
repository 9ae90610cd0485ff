/** Errors with stable codes, so callers (CLI, gRPC handlers) can map them without parsing messages. */

/** Stable error codes. */
export type ErrorCode =
  | 'E_BAD_SPEC'
  | 'E_BAD_ARGS'
  | 'E_BAD_DATA'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_DIVERGED'
  | 'E_INTERNAL'
  | 'E_NOT_FOUND'
  | 'E_TOO_LARGE'
  | 'E_FAILED_PRECONDITION'
  | 'E_UNAVAILABLE'
  | 'E_UNAUTHENTICATED'
  | 'E_PERMISSION_DENIED'
  | 'E_LIMIT';

/** An error with a stable code and a message that names the bad value and the fix. */
export class GradpoolError extends Error {
  /** Stable code, e.g. `E_BAD_SPEC`. */
  readonly code: ErrorCode;
  /** Dotted path of the offending field, when the error is about one. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'GradpoolError';
    this.code = code;
    this.field = field;
  }
}

/** Shorthand for a job-spec error on `field`. */
export function specError(field: string, message: string): GradpoolError {
  return new GradpoolError('E_BAD_SPEC', `${field}: ${message}`, field);
}
