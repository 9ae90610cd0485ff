/**
 * The single table from gradpool error codes to gRPC status codes, and the two translations built on it:
 * errors thrown in a handler → the status sent to the client (never UNKNOWN), and a failed call's status →
 * a GradpoolError with a readable message on the client.
 */
import * as grpc from '@grpc/grpc-js';
import { GradpoolError, type ErrorCode } from '../shared/errors';

/** gRPC status of each error code. Exhaustive on purpose: a new ErrorCode must be placed here. */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, grpc.status>> = Object.freeze({
  E_BAD_SPEC: grpc.status.INVALID_ARGUMENT,
  E_BAD_ARGS: grpc.status.INVALID_ARGUMENT,
  E_BAD_DATA: grpc.status.INVALID_ARGUMENT,
  E_NOT_FOUND: grpc.status.NOT_FOUND,
  E_TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
  E_FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  E_UNAVAILABLE: grpc.status.UNAVAILABLE,
  E_BACKEND_UNAVAILABLE: grpc.status.INTERNAL,
  E_DIVERGED: grpc.status.INTERNAL,
  E_INTERNAL: grpc.status.INTERNAL,
  E_UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  E_PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  // A configured limit (coordinator --max-* flags); the message names the limit and the flag.
  E_LIMIT: grpc.status.RESOURCE_EXHAUSTED,
});

/** Error code of a status received by a client (the inverse of the table, where it is one). */
const CODE_OF_STATUS: ReadonlyMap<grpc.status, ErrorCode> = new Map<grpc.status, ErrorCode>([
  [grpc.status.INVALID_ARGUMENT, 'E_BAD_ARGS'],
  [grpc.status.NOT_FOUND, 'E_NOT_FOUND'],
  [grpc.status.RESOURCE_EXHAUSTED, 'E_TOO_LARGE'],
  [grpc.status.FAILED_PRECONDITION, 'E_FAILED_PRECONDITION'],
  [grpc.status.UNAVAILABLE, 'E_UNAVAILABLE'],
  [grpc.status.DEADLINE_EXCEEDED, 'E_UNAVAILABLE'],
  [grpc.status.UNAUTHENTICATED, 'E_UNAUTHENTICATED'],
  [grpc.status.PERMISSION_DENIED, 'E_PERMISSION_DENIED'],
]);

/** Trailer carrying the original gradpool error code, so clients get the exact code back. */
export const ERROR_CODE_KEY = 'gradpool-error-code';
/** Trailer carrying the offending field path, when the error names one. */
export const ERROR_FIELD_KEY = 'gradpool-error-field';

const ERROR_CODES = new Set(Object.keys(STATUS_OF_CODE));

/** gRPC status for a gradpool error code. */
export function statusOf(code: ErrorCode): grpc.status {
  return STATUS_OF_CODE[code] ?? grpc.status.INTERNAL;
}

/**
 * What a handler passes to its callback (or `call.destroy`/`emit('error')`) for a thrown value: the mapped
 * status, the message as details, and the gradpool code (and field) in the trailers. Values that are not
 * GradpoolErrors become INTERNAL — never UNKNOWN.
 */
export function toServiceError(e: unknown): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  let code: grpc.status;
  let details: string;
  if (e instanceof GradpoolError) {
    code = statusOf(e.code);
    details = e.message;
    metadata.set(ERROR_CODE_KEY, e.code);
    if (e.field !== undefined) metadata.set(ERROR_FIELD_KEY, e.field);
  } else {
    code = grpc.status.INTERNAL;
    details = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    metadata.set(ERROR_CODE_KEY, 'E_INTERNAL');
  }
  return Object.assign(new Error(details), { code, details, metadata });
}

/** The fields of a failed call that fromServiceError reads (a grpc-js ServiceError has them all). */
export interface CallFailure {
  readonly code?: number;
  readonly details?: string;
  readonly message?: string;
  readonly metadata?: grpc.Metadata;
}

/**
 * A GradpoolError for a failed call, e.g. `coordinator 127.0.0.1:7070: job j-000009 not found
 * (NOT_FOUND)`. The code comes from the trailer when the server set one, else from the status.
 */
export function fromServiceError(e: CallFailure, peer = 'server'): GradpoolError {
  const status = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const statusName = (grpc.status as unknown as Record<number, string>)[status] ?? `status ${status}`;
  const trailer = e.metadata?.get(ERROR_CODE_KEY)[0];
  const field = e.metadata?.get(ERROR_FIELD_KEY)[0];
  const code: ErrorCode =
    typeof trailer === 'string' && ERROR_CODES.has(trailer)
      ? (trailer as ErrorCode)
      : (CODE_OF_STATUS.get(status) ?? 'E_INTERNAL');
  const details = e.details || e.message || 'no details';
  const hint = status === grpc.status.UNAVAILABLE ? '; is it running and reachable?' : '';
  return new GradpoolError(
    code,
    `${peer}: ${details} (${statusName})${hint}`,
    typeof field === 'string' ? field : undefined,
  );
}
