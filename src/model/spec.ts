/**
 * Validates the `model` section of a job spec (YAML or JSON already decoded):
 *   { input: [1, 28, 28] | [784], layers: [...], loss: softmax | svm,
 *     init?: he | xavier | {gaussian: 0.001} | {gaussian: {std: 0.001}}   (default he),
 *     biasInit?: 0 }                                                       (default 0)
 * Layer forms are listed in layer-spec.ts. Every error is a GradpoolError E_BAD_SPEC naming the field path.
 */
import { specError } from '../shared/errors';
import { parseLayer } from './layer-spec';
import { checkInput, inferShapes } from './shapes';
import { expectKeys, expectObject, finiteNumber, isObject, positiveNumber, show } from './spec-fields';
import type { InitSpec, LayerSpec, ModelSpec } from './types';

const MODEL_KEYS = ['input', 'layers', 'loss', 'init', 'biasInit'];

/** Parses and validates a model spec, including the shape chain through its layers. */
export function parseModelSpec(raw: unknown, field = 'model'): ModelSpec {
  const obj = expectObject(raw, field, 'give input, layers and loss');
  expectKeys(obj, MODEL_KEYS, field);
  const input = checkInput(obj.input, `${field}.input`);
  if (!Array.isArray(obj.layers)) {
    throw specError(
      `${field}.layers`,
      `must be a list of layers, got ${show(obj.layers)}; e.g. layers: [{affine: 50}, relu, {affine: 10}]`,
    );
  }
  const layers: LayerSpec[] = obj.layers.map((l, i) => parseLayer(l, `${field}.layers[${i}]`));
  const spec: ModelSpec = {
    input,
    layers,
    loss: parseLoss(obj.loss, `${field}.loss`),
    init: obj.init === undefined ? { type: 'he' } : parseInit(obj.init, `${field}.init`),
    biasInit: obj.biasInit === undefined ? 0 : finiteNumber(obj.biasInit, `${field}.biasInit`, 'biasInit: 0'),
  };
  inferShapes(spec, field);
  return spec;
}

function parseLoss(raw: unknown, field: string): 'softmax' | 'svm' {
  if (raw === undefined) throw specError(field, 'is missing; set loss: softmax or loss: svm');
  if (raw !== 'softmax' && raw !== 'svm') {
    throw specError(field, `unknown loss ${show(raw)}; set loss: softmax or loss: svm`);
  }
  return raw;
}

const INIT_HINT = 'use he, xavier or {gaussian: 0.001}';

/** he | xavier | {gaussian: std} | {gaussian: {std}} | the parsed form {type, std?}. */
function parseInit(raw: unknown, field: string): InitSpec {
  if (raw === 'he' || raw === 'xavier') return { type: raw };
  if (typeof raw === 'string') {
    if (raw === 'gaussian') throw specError(field, 'gaussian needs a std; write {gaussian: 0.001}');
    throw specError(field, `unknown init ${show(raw)}; ${INIT_HINT}`);
  }
  if (!isObject(raw)) throw specError(field, `must be he, xavier or {gaussian: 0.001}, got ${show(raw)}`);
  if (typeof raw.type === 'string') {
    if (raw.type === 'gaussian') {
      expectKeys(raw, ['type', 'std'], field);
      return { type: 'gaussian', std: positiveNumber(raw.std, `${field}.std`, 'std: 0.001') };
    }
    expectKeys(raw, ['type'], field);
    return parseInit(raw.type, `${field}.type`);
  }
  expectKeys(raw, ['gaussian'], field);
  const g = raw.gaussian;
  if (isObject(g)) {
    expectKeys(g, ['std'], `${field}.gaussian`);
    return { type: 'gaussian', std: positiveNumber(g.std, `${field}.gaussian.std`, 'std: 0.001') };
  }
  return { type: 'gaussian', std: positiveNumber(g, `${field}.gaussian`, '{gaussian: 0.001}') };
}
