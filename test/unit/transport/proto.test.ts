import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOADER_OPTIONS, PROTO_DIR, PROTO_FILES, protos } from '../../../src/transport/proto';

describe('proto loading', () => {
  it('finds the proto directory from dist/ and loads every file once', () => {
    for (const f of PROTO_FILES) assert.ok(fs.existsSync(path.join(PROTO_DIR, f)), f);
    assert.equal(protos(), protos());
    assert.deepEqual(Object.keys(protos().workerPlane), ['Connect', 'FetchDataset']);
    assert.deepEqual(Object.keys(protos().health).sort(), ['Check', 'Watch']);
    assert.ok(protos().coordinator.SubmitJob);
  });

  it('uses camelCase fields, numbers for 64-bit integers, enum names and filled defaults', () => {
    assert.equal(LOADER_OPTIONS.keepCase, false);
    const method = protos().workerPlane.Connect;
    const wire = method.responseSerialize({
      task: { jobId: 'j-1', step: 2 ** 40, shard: 3, paramVersion: 7, sampleIndices: [4, 5], firstRow: 10 },
    });
    const msg = method.responseDeserialize(wire);
    assert.equal(msg.msg, 'task');
    assert.deepEqual(msg.task, {
      jobId: 'j-1',
      step: 2 ** 40,
      shard: 3,
      paramVersion: 7,
      sampleIndices: [4, 5],
      firstRow: 10,
    });
    assert.equal(msg.params, undefined);
    const evalMsg = method.responseDeserialize(
      method.responseSerialize({ eval: { jobId: 'j', split: 'VAL' } }),
    );
    assert.equal(evalMsg.eval?.split, 'VAL');
    assert.equal(evalMsg.eval?.evalId, 0);
    assert.deepEqual(evalMsg.eval?.sampleIndices, []);
  });

  it('carries TaskFailed reports from workers', () => {
    const method = protos().workerPlane.Connect;
    const msg = method.requestDeserialize(
      method.requestSerialize({
        taskFailed: { jobId: 'j', kind: 'task', step: 4, code: 'E_BAD_DATA', message: 'x' },
      }),
    );
    assert.equal(msg.msg, 'taskFailed');
    assert.equal(msg.taskFailed?.step, 4);
    assert.equal(msg.taskFailed?.code, 'E_BAD_DATA');
  });
});
