import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { GradpoolError, type ErrorCode } from '../../../src/shared/errors';
import {
  ERROR_CODE_KEY,
  STATUS_OF_CODE,
  fromServiceError,
  statusOf,
  toServiceError,
} from '../../../src/transport/status';

describe('status table', () => {
  it('maps each error code to the documented status', () => {
    const expected: Record<string, grpc.status> = {
      E_BAD_SPEC: grpc.status.INVALID_ARGUMENT,
      E_BAD_ARGS: grpc.status.INVALID_ARGUMENT,
      E_BAD_DATA: grpc.status.INVALID_ARGUMENT,
      E_NOT_FOUND: grpc.status.NOT_FOUND,
      E_TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
      E_FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
      E_UNAVAILABLE: grpc.status.UNAVAILABLE,
      E_INTERNAL: grpc.status.INTERNAL,
      E_DIVERGED: grpc.status.INTERNAL,
      E_BACKEND_UNAVAILABLE: grpc.status.INTERNAL,
      E_UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
      E_PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
      E_LIMIT: grpc.status.RESOURCE_EXHAUSTED,
    };
    for (const [code, status] of Object.entries(expected))
      assert.equal(statusOf(code as ErrorCode), status, code);
    assert.deepEqual(Object.keys(STATUS_OF_CODE).sort(), Object.keys(expected).sort());
  });

  it('never maps anything to UNKNOWN or OK', () => {
    for (const status of Object.values(STATUS_OF_CODE)) {
      assert.notEqual(status, grpc.status.UNKNOWN);
      assert.notEqual(status, grpc.status.OK);
    }
    assert.equal(toServiceError('a string').code, grpc.status.INTERNAL);
    assert.equal(toServiceError(undefined).code, grpc.status.INTERNAL);
  });

  it('turns a GradpoolError into its status, its message, and its code and field in the trailers', () => {
    const e = toServiceError(
      new GradpoolError('E_BAD_SPEC', 'train.batchSize: must be positive, got -3', 'train.batchSize'),
    );
    assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(e.details, 'train.batchSize: must be positive, got -3');
    assert.deepEqual(e.metadata.get(ERROR_CODE_KEY), ['E_BAD_SPEC']);
    const back = fromServiceError(e, 'coordinator 127.0.0.1:7070');
    assert.equal(back.code, 'E_BAD_SPEC');
    assert.equal(back.field, 'train.batchSize');
    assert.equal(
      back.message,
      'coordinator 127.0.0.1:7070: train.batchSize: must be positive, got -3 (INVALID_ARGUMENT)',
    );
  });

  it('turns other thrown values into INTERNAL with the message kept', () => {
    const e = toServiceError(new TypeError('x is undefined'));
    assert.equal(e.code, grpc.status.INTERNAL);
    assert.equal(e.details, 'internal error: x is undefined');
  });

  it('gives clients a code and a readable message from the status alone', () => {
    const unavailable = fromServiceError(
      { code: grpc.status.UNAVAILABLE, details: 'No connection established' },
      'coordinator 10.0.0.1:7070',
    );
    assert.equal(unavailable.code, 'E_UNAVAILABLE');
    assert.match(
      unavailable.message,
      /^coordinator 10.0.0.1:7070: No connection established \(UNAVAILABLE\); is it running/,
    );
    assert.equal(fromServiceError({ code: grpc.status.NOT_FOUND, details: 'job j-9' }).code, 'E_NOT_FOUND');
    assert.equal(
      fromServiceError({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'too big' }).code,
      'E_TOO_LARGE',
    );
    assert.equal(fromServiceError({ code: grpc.status.DEADLINE_EXCEEDED }).code, 'E_UNAVAILABLE');
    assert.equal(fromServiceError({ code: grpc.status.UNAUTHENTICATED }).code, 'E_UNAUTHENTICATED');
    assert.equal(fromServiceError({ code: grpc.status.PERMISSION_DENIED }).code, 'E_PERMISSION_DENIED');
    assert.equal(fromServiceError({ code: grpc.status.UNKNOWN, message: 'boom' }).code, 'E_INTERNAL');
  });
});
