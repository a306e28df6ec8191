// The wasm backend has Conv2D and its input gradient but no filter gradient
// (Conv2DBackpropFilter), so training a conv net on it fails. For stride 1 the filter
// gradient is itself a convolution: with the batch axis moved into the channels,
//   dW[kh,kw,ci,co] = sum_{b,y,x} X[b,y+kh,x+kw,ci] · dY[b,y,x,co]
// is conv2d(X as [ci,H,W,b], dY as filter [oh,ow,b,co]), a kernel the backend has.
import * as tf from '@tensorflow/tfjs';

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: string;
  filterShape: [number, number, number, number];
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

export function registerConvFilterGradient(): void {
  if (tf.getBackend() !== 'wasm' || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as FilterGradAttrs;
      const [sh, sw] = pair(a.strides);
      if (sh !== 1 || sw !== 1 || a.dataFormat !== 'NHWC')
        throw new Error(`mote: conv2d filter gradient on wasm needs stride 1 and NHWC, got ${sh}x${sw}`);
      const [kh, kw] = a.filterShape;
      // The kernel's inputs are backend tensor infos; view them as tensors of this backend.
      const x = tf.engine().makeTensorFromTensorInfo(inputs.x as tf.TensorInfo) as tf.Tensor4D;
      const dy = tf.engine().makeTensorFromTensorInfo(inputs.dy as tf.TensorInfo) as tf.Tensor4D;
      const out = tf.tidy(() => {
        let xp = x;
        if (a.pad === 'same') {
          const top = Math.floor((kh - 1) / 2);
          const left = Math.floor((kw - 1) / 2);
          xp = tf.pad(x, [
            [0, 0],
            [top, kh - 1 - top],
            [left, kw - 1 - left],
            [0, 0],
          ]);
        } else if (typeof a.pad === 'number' && a.pad !== 0) {
          xp = tf.pad(x, [
            [0, 0],
            [a.pad, a.pad],
            [a.pad, a.pad],
            [0, 0],
          ]);
        }
        const g = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid');
        return tf.transpose(g, [1, 2, 0, 3]);
      });
      // A Tensor (it has a rank) is taken by the engine as the kernel's output as is.
      return out;
    },
  });
}
