// Adam on plain arrays, for parameters whose gradient is assembled on the host (shared
// cluster centroids: each centroid's gradient is the sum of its members' gradients).
export interface HostAdam {
  step(params: Float32Array, grads: Float64Array): void;
}

export function hostAdam(
  size: number,
  learningRate: number,
  beta1 = 0.9,
  beta2 = 0.999,
  eps = 1e-7,
): HostAdam {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let t = 0;
  return {
    step(params, grads) {
      t++;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      for (let i = 0; i < size; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * grads[i];
        v[i] = beta2 * v[i] + (1 - beta2) * grads[i] * grads[i];
        params[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    },
  };
}
