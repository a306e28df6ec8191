// The BuiltinOptions tables of the ops mote imports (schema.fbs), as plain objects.
// Field slots are the schema's field order; absent fields take the schema's defaults.
import type { Flatbuffer, FbTable } from './flatbuffer.js';

/** BuiltinOptions union members (1-based order of `union BuiltinOptions`). */
export const OPTIONS = {
  Conv2D: 1,
  DepthwiseConv2D: 2,
  Pool2D: 5,
  FullyConnected: 8,
  Softmax: 9,
  Add: 11,
  Reshape: 17,
} as const;

/** ActivationFunctionType: NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

export interface WindowOptions {
  same: boolean;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  /** Pools only. */
  filterW: number;
  filterH: number;
  activation: number;
}

export function convOptions(fb: Flatbuffer, t: FbTable): WindowOptions {
  return {
    same: fb.scalarI8(t, 0, 'padding', 0) === 0,
    strideW: fb.scalarI32(t, 1, 'stride_w', 0),
    strideH: fb.scalarI32(t, 2, 'stride_h', 0),
    activation: fb.scalarI8(t, 3, 'fused_activation_function', 0),
    dilationW: fb.scalarI32(t, 4, 'dilation_w_factor', 1),
    dilationH: fb.scalarI32(t, 5, 'dilation_h_factor', 1),
    filterW: 0,
    filterH: 0,
  };
}

export function depthwiseOptions(fb: Flatbuffer, t: FbTable): WindowOptions {
  return {
    same: fb.scalarI8(t, 0, 'padding', 0) === 0,
    strideW: fb.scalarI32(t, 1, 'stride_w', 0),
    strideH: fb.scalarI32(t, 2, 'stride_h', 0),
    activation: fb.scalarI8(t, 4, 'fused_activation_function', 0),
    dilationW: fb.scalarI32(t, 5, 'dilation_w_factor', 1),
    dilationH: fb.scalarI32(t, 6, 'dilation_h_factor', 1),
    filterW: 0,
    filterH: 0,
  };
}

export function poolOptions(fb: Flatbuffer, t: FbTable): WindowOptions {
  return {
    same: fb.scalarI8(t, 0, 'padding', 0) === 0,
    strideW: fb.scalarI32(t, 1, 'stride_w', 0),
    strideH: fb.scalarI32(t, 2, 'stride_h', 0),
    filterW: fb.scalarI32(t, 3, 'filter_width', 0),
    filterH: fb.scalarI32(t, 4, 'filter_height', 0),
    activation: fb.scalarI8(t, 5, 'fused_activation_function', 0),
    dilationW: 1,
    dilationH: 1,
  };
}

export interface FullyConnectedOptions {
  activation: number;
  /** 0 DEFAULT; 1 SHUFFLED4x16INT8 (not supported). */
  weightsFormat: number;
  keepNumDims: boolean;
}

export function fullyConnectedOptions(fb: Flatbuffer, t: FbTable | null): FullyConnectedOptions {
  if (!t) return { activation: 0, weightsFormat: 0, keepNumDims: false };
  return {
    activation: fb.scalarI8(t, 0, 'fused_activation_function', 0),
    weightsFormat: fb.scalarI8(t, 1, 'weights_format', 0),
    keepNumDims: fb.scalarU8(t, 2, 'keep_num_dims', 0) !== 0,
  };
}

export function softmaxBeta(fb: Flatbuffer, t: FbTable | null): number {
  return t ? fb.scalarF32(t, 0, 'beta', 0) : 0;
}

export function addActivation(fb: Flatbuffer, t: FbTable | null): number {
  return t ? fb.scalarI8(t, 0, 'fused_activation_function', 0) : 0;
}
