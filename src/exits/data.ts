// A contiguous slice of a data set (training digits split into train and calibration).
import type { Dataset } from '../data/digits.js';

export function digitsSlice(data: Dataset, from: number, to: number): Dataset {
  if (!(from >= 0 && to <= data.count && from < to))
    throw new Error(`mote: slice ${from}..${to} of a data set of ${data.count}`);
  const per = data.features.length / data.count;
  return {
    features: data.features.subarray(from * per, to * per),
    labels: data.labels.subarray(from, to),
    count: to - from,
    featureShape: data.featureShape.slice(),
    classes: data.classes,
  };
}
