import * as assert from 'node:assert/strict';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
import type { ModelSpec } from '../../../src/model/types';
import { GradpoolError } from '../../../src/shared/errors';

const DESIGN_LAYERS = [
  { conv: { filters: 8, size: 5, pad: 2 } },
  'relu',
  { pool: 2 },
  { affine: 50 },
  'relu',
  { dropout: 0.5 },
  { affine: 10 },
];

/** A valid model with `layers` swapped in. */
function withLayers(layers: unknown[], input: number[] = [1, 28, 28]): unknown {
  return { input, layers, loss: 'softmax' };
}

/** Asserts that parsing `raw` throws E_BAD_SPEC with exactly `message` (field prefix included). */
function rejects(raw: unknown, message: string | RegExp): void {
  assert.throws(
    () => parseModelSpec(raw),
    (e: unknown) => {
      assert.ok(e instanceof GradpoolError, `not a GradpoolError: ${String(e)}`);
      assert.equal(e.code, 'E_BAD_SPEC');
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

describe('parseModelSpec', () => {
  it('accepts the DESIGN.md example and names its parameters', () => {
    const spec = parseModelSpec({ input: [1, 28, 28], layers: DESIGN_LAYERS, loss: 'softmax', init: 'he' });
    assert.deepEqual(spec.layers, [
      { type: 'conv', filters: 8, size: 5, stride: 1, pad: 2 },
      { type: 'relu' },
      { type: 'pool', size: 2, stride: 2 },
      { type: 'affine', units: 50 },
      { type: 'relu' },
      { type: 'dropout', p: 0.5, inverted: false },
      { type: 'affine', units: 10 },
    ]);
    const net = Sequential.fromSpec(spec);
    assert.deepEqual(
      net.params.map((p) => [p.name, p.shape, p.kind]),
      [
        ['conv1.weight', [8, 1, 5, 5], 'weight'],
        ['conv1.bias', [8], 'bias'],
        ['fc1.weight', [1568, 50], 'weight'],
        ['fc1.bias', [50], 'bias'],
        ['fc2.weight', [50, 10], 'weight'],
        ['fc2.bias', [10], 'bias'],
      ],
    );
    assert.deepEqual(
      net.layers.map((l) => l.name),
      ['conv1', 'relu1', 'pool1', 'fc1', 'relu2', 'dropout1', 'fc2'],
    );
    assert.equal(net.numClasses, 10);
    assert.deepEqual(net.inputShape, [1, 28, 28]);
    assert.equal(net.inputSize, 784);
  });

  it('fills defaults: init he, biasInit 0, conv stride 1 and pad 0, pool stride = size', () => {
    const spec = parseModelSpec({
      input: [3, 8, 8],
      layers: [{ conv: { filters: 4, size: 3 } }, { pool: { size: 3 } }, { affine: 2 }],
      loss: 'svm',
    });
    assert.deepEqual(spec.init, { type: 'he' });
    assert.equal(spec.biasInit, 0);
    assert.deepEqual(spec.layers[0], { type: 'conv', filters: 4, size: 3, stride: 1, pad: 0 });
    assert.deepEqual(spec.layers[1], { type: 'pool', size: 3, stride: 3 });
  });

  it('accepts every documented layer and init form', () => {
    const spec = parseModelSpec({
      input: [784],
      layers: [
        { affine: { units: 20 } },
        { relu: {} },
        { dropout: { p: 0.8, inverted: true } },
        { affine: 10 },
      ],
      loss: 'softmax',
      init: { gaussian: { std: 0.001 } },
      biasInit: 0.01,
    });
    assert.deepEqual(spec.layers[2], { type: 'dropout', p: 0.8, inverted: true });
    assert.deepEqual(spec.init, { type: 'gaussian', std: 0.001 });
    assert.deepEqual(parseModelSpec({ ...spec, init: { gaussian: 0.01 } }).init, {
      type: 'gaussian',
      std: 0.01,
    });
    assert.deepEqual(parseModelSpec({ ...spec, init: 'xavier' }).init, { type: 'xavier' });
  });

  it('accepts its own output again (a parsed spec survives a JSON round trip)', () => {
    const spec = parseModelSpec({ ...(withLayers(DESIGN_LAYERS) as object), init: { gaussian: 0.001 } });
    const again: ModelSpec = parseModelSpec(JSON.parse(JSON.stringify(spec)));
    assert.deepEqual(again, spec);
  });

  it('rejects an unknown layer type, listing the valid ones', () => {
    const layers = [...DESIGN_LAYERS];
    layers[3] = { convolution: { filters: 8 } } as never;
    rejects(
      withLayers(layers),
      'model.layers[3]: unknown layer type "convolution"; use one of conv, relu, pool, affine, dropout',
    );
    rejects(withLayers(['sigmoid', { affine: 2 }], [4]), /^model\.layers\[0\]: unknown layer type "sigmoid"/);
    rejects(withLayers([{ pool: 2, relu: {} }]), /^model\.layers\[0\]: must have exactly one key/);
    rejects(withLayers(['conv']), /^model\.layers\[0\]: layer "conv" needs settings; write \{conv:/);
  });

  it('rejects a missing or unknown loss', () => {
    rejects(
      { input: [4], layers: [{ affine: 2 }] },
      'model.loss: is missing; set loss: softmax or loss: svm',
    );
    rejects(
      { input: [4], layers: [{ affine: 2 }], loss: 'hinge' },
      /^model\.loss: unknown loss "hinge"; set loss: softmax or loss: svm$/,
    );
  });

  it('rejects a pool window larger than its input', () => {
    rejects(
      withLayers([{ conv: { filters: 2, size: 3, pad: 1 } }, 'relu', { pool: 30 }, { affine: 10 }]),
      'model.layers[2].pool: window 30 is larger than its 28×28 input; use a smaller size or remove the layer',
    );
  });

  it('rejects a conv filter that does not fit, and conv or pool after the input is flattened', () => {
    rejects(
      withLayers([{ conv: { filters: 2, size: 7 } }, { affine: 2 }], [1, 5, 5]),
      /^model\.layers\[0\]\.conv: a 7×7 filter with pad 0 does not fit its 5×5 input/,
    );
    rejects(
      withLayers([{ affine: 20 }, { pool: 2 }, { affine: 2 }]),
      /^model\.layers\[1\]\.pool: pool needs an image input \[C, H, W\] but gets a vector of 20/,
    );
    rejects(
      withLayers([{ conv: { filters: 2, size: 3 } }, { affine: 2 }], [784]),
      /^model\.layers\[0\]\.conv: conv needs an image/,
    );
  });

  it('rejects non-positive or fractional integers, naming the value', () => {
    rejects(
      withLayers([{ conv: { filters: 0, size: 3 } }, { affine: 2 }]),
      /^model\.layers\[0\]\.conv\.filters: must be a positive integer, got 0;/,
    );
    rejects(
      withLayers([{ conv: { filters: 4, size: 2.5 } }, { affine: 2 }]),
      /^model\.layers\[0\]\.conv\.size: must be a positive integer, got 2\.5;/,
    );
    rejects(
      withLayers([{ conv: { filters: 4, size: 3, stride: -1 } }, { affine: 2 }]),
      /conv\.stride: must be a positive integer, got -1/,
    );
    rejects(
      withLayers([{ conv: { filters: 4, size: 3, pad: -2 } }, { affine: 2 }]),
      /conv\.pad: must be a non-negative integer, got -2/,
    );
    rejects(
      withLayers([{ pool: -2 }, { affine: 2 }]),
      /^model\.layers\[0\]\.pool: must be a positive integer, got -2;/,
    );
    rejects(withLayers([{ affine: -3 }]), /^model\.layers\[0\]\.affine: must be a positive integer, got -3;/);
    rejects(
      withLayers([{ affine: { units: '10' } }]),
      /^model\.layers\[0\]\.affine\.units: must be a positive integer, got "10";/,
    );
    rejects(
      { input: [1, 0, 28], layers: [{ affine: 2 }], loss: 'svm' },
      /^model\.input: must be \[C, H, W\].*got \[1,0,28\]/,
    );
  });

  it('rejects a last layer that is not affine, or gives fewer than 2 scores', () => {
    rejects(
      withLayers([{ affine: 10 }, 'relu']),
      'model.layers[1]: the last layer must be affine (it computes the class scores), got relu; end with {affine: <number of classes>}',
    );
    rejects(withLayers([{ affine: 1 }]), /^model\.layers\[0\]\.affine: .*needs at least 2 units, got 1/);
    rejects(withLayers([]), /^model\.layers: is empty/);
  });

  it('rejects bad dropout probabilities, inits and unknown fields', () => {
    rejects(
      withLayers([{ dropout: 0 }, { affine: 2 }]),
      /^model\.layers\[0\]\.dropout: must be a keep probability with 0 < p ≤ 1, got 0/,
    );
    rejects(
      withLayers([{ dropout: { p: 1.5 } }, { affine: 2 }]),
      /^model\.layers\[0\]\.dropout\.p: .*got 1\.5/,
    );
    rejects(
      withLayers([{ conv: { filters: 4, size: 3, padding: 1 } }, { affine: 2 }]),
      /^model\.layers\[0\]\.conv: unknown field "padding"; use filters, size, stride, pad$/,
    );
    rejects(
      { ...(withLayers([{ affine: 2 }], [4]) as object), init: 'lecun' },
      /^model\.init: unknown init "lecun"; use he, xavier or \{gaussian: 0\.001\}$/,
    );
    rejects(
      { ...(withLayers([{ affine: 2 }], [4]) as object), init: { gaussian: -1 } },
      /^model\.init\.gaussian: must be a finite number > 0, got -1/,
    );
    rejects(
      { ...(withLayers([{ affine: 2 }], [4]) as object), optimizer: 'sgd' },
      /^model: unknown field "optimizer"/,
    );
    rejects('conv', /^model: must be an object/);
  });

  it('uses the caller-given field path', () => {
    assert.throws(
      () => parseModelSpec({ input: [4], layers: [{ affine: 2 }] }, 'trials[2].model'),
      (e: GradpoolError) => {
        assert.equal(e.field, 'trials[2].model.loss');
        return true;
      },
    );
  });

  it('Sequential.fromSpec also rejects a hand-built spec whose shapes do not chain', () => {
    const spec: ModelSpec = {
      input: [1, 4, 4],
      layers: [
        { type: 'pool', size: 5, stride: 5 },
        { type: 'affine', units: 2 },
      ],
      loss: 'softmax',
      init: { type: 'he' },
      biasInit: 0,
    };
    assert.throws(
      () => Sequential.fromSpec(spec),
      (e: unknown) =>
        e instanceof GradpoolError &&
        e.code === 'E_BAD_SPEC' &&
        e.message.startsWith('model.layers[0].pool: window 5'),
    );
  });
});
