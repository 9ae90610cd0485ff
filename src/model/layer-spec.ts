/**
 * Parses one entry of `model.layers`. Accepted forms (YAML or JSON):
 *   relu | {relu: {}}
 *   {conv: {filters, size, stride = 1, pad = 0}}
 *   {pool: 2} | {pool: {size, stride = size}}
 *   {affine: 50} | {affine: {units: 50}}
 *   {dropout: 0.5} | {dropout: {p: 0.5, inverted = false}}     (p = keep probability)
 * and the parsed form itself ({type: 'conv', filters, …}), so a parsed spec survives a JSON round trip.
 */
import { specError } from '../shared/errors';
import type { LayerSpec } from './types';
import {
  booleanField,
  expectKeys,
  isObject,
  nonNegativeInt,
  positiveInt,
  show,
  type RawObject,
} from './spec-fields';

/** Layer type names, in the order error messages list them. */
export const LAYER_TYPES = ['conv', 'relu', 'pool', 'affine', 'dropout'] as const;

type LayerType = (typeof LAYER_TYPES)[number];

function isLayerType(name: string): name is LayerType {
  return (LAYER_TYPES as readonly string[]).includes(name);
}

function unknownType(name: string, field: string): Error {
  return specError(field, `unknown layer type ${show(name)}; use one of ${LAYER_TYPES.join(', ')}`);
}

/** Parses the layer at `field` (e.g. `model.layers[3]`). */
export function parseLayer(raw: unknown, field: string): LayerSpec {
  if (typeof raw === 'string') {
    if (raw === 'relu') return { type: 'relu' };
    if (isLayerType(raw)) {
      throw specError(field, `layer "${raw}" needs settings; write ${EXAMPLES[raw]}`);
    }
    throw unknownType(raw, field);
  }
  if (!isObject(raw)) {
    throw specError(field, `must be a layer such as {pool: 2} or relu, got ${show(raw)}`);
  }
  if (typeof raw.type === 'string') return parseCanonical(raw, raw.type, field);
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    throw specError(
      field,
      `must have exactly one key, the layer type (e.g. {pool: 2}), got ${keys.length ? keys.join(', ') : 'none'}`,
    );
  }
  const type = keys[0];
  if (!isLayerType(type)) throw unknownType(type, field);
  return PARSERS[type](raw[type], `${field}.${type}`);
}

const EXAMPLES: Record<LayerType, string> = {
  conv: '{conv: {filters: 8, size: 3, stride: 1, pad: 1}}',
  relu: 'relu',
  pool: '{pool: 2}',
  affine: '{affine: 10}',
  dropout: '{dropout: 0.5}',
};

/** Parses `{type: 'conv', filters, …}` by routing the remaining fields to the type's parser. */
function parseCanonical(raw: RawObject, type: string, field: string): LayerSpec {
  if (!isLayerType(type)) throw unknownType(type, `${field}.type`);
  const rest: RawObject = { ...raw };
  delete rest.type;
  return PARSERS[type](rest, field);
}

const PARSERS: Record<LayerType, (body: unknown, field: string) => LayerSpec> = {
  relu: (body, field) => {
    if (body !== null && body !== undefined && !(isObject(body) && Object.keys(body).length === 0)) {
      throw specError(field, `takes no settings, got ${show(body)}; write relu`);
    }
    return { type: 'relu' };
  },

  conv: (body, field) => {
    if (!isObject(body))
      throw specError(field, `must be an object, got ${show(body)}; e.g. ${EXAMPLES.conv}`);
    expectKeys(body, ['filters', 'size', 'stride', 'pad'], field);
    return {
      type: 'conv',
      filters: positiveInt(body.filters, `${field}.filters`, 'filters: 8'),
      size: positiveInt(body.size, `${field}.size`, 'size: 3'),
      stride: body.stride === undefined ? 1 : positiveInt(body.stride, `${field}.stride`, 'stride: 1'),
      pad: body.pad === undefined ? 0 : nonNegativeInt(body.pad, `${field}.pad`, 'pad: 1'),
    };
  },

  pool: (body, field) => {
    if (!isObject(body)) {
      const size = positiveInt(body, field, '{pool: 2}');
      return { type: 'pool', size, stride: size };
    }
    expectKeys(body, ['size', 'stride'], field);
    const size = positiveInt(body.size, `${field}.size`, 'size: 2');
    const stride =
      body.stride === undefined ? size : positiveInt(body.stride, `${field}.stride`, 'stride: 2');
    return { type: 'pool', size, stride };
  },

  affine: (body, field) => {
    if (!isObject(body)) return { type: 'affine', units: positiveInt(body, field, '{affine: 10}') };
    expectKeys(body, ['units'], field);
    return { type: 'affine', units: positiveInt(body.units, `${field}.units`, 'units: 10') };
  },

  dropout: (body, field) => {
    if (!isObject(body)) return { type: 'dropout', p: keepProbability(body, field), inverted: false };
    expectKeys(body, ['p', 'inverted'], field);
    return {
      type: 'dropout',
      p: keepProbability(body.p, `${field}.p`),
      inverted:
        body.inverted === undefined
          ? false
          : booleanField(body.inverted, `${field}.inverted`, 'inverted: true'),
    };
  },
};

/** Dropout's p is the probability of KEEPING a unit, as in the recipe: 0 < p ≤ 1. */
function keepProbability(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw specError(
      field,
      `must be a keep probability with 0 < p ≤ 1, got ${show(value)}; e.g. {dropout: 0.5} keeps half the units`,
    );
  }
  return value;
}
