// The device form of a model (src/runtime/device-form.ts), built on the host with the
// runtime's own code: what a device writes to `<name>.d` at the model's first load by
// name. The bridge and the firmware tests send it beside the model to skip that step.
import { isConvWeight, load } from '../runtime/model.js';
// The host reads every op: register all kernels (a device bundle holds only its model's).
import '../runtime/op/all.js';
import { formSize, rowKind, writeForm, type FormTensor } from '../runtime/device-form.js';

/** The device form's bytes, or null when the model streams no compressed weights. */
export function deviceForm(bytes: Uint8Array): Uint8Array | null {
  const m = load(bytes);
  const list: FormTensor[] = [];
  m.readers.forEach((r, index) => {
    if (r)
      list.push({
        index,
        t: m.tensors[index],
        kind: rowKind(m.tensors[index], isConvWeight(m, index)),
        bytes,
      });
  });
  if (!list.length) return null;
  const out = new Uint8Array(formSize(list));
  out.fill(0xff);
  const crc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    bytes.length - 4,
    true,
  );
  writeForm(list, crc, (data, at) => out.set(data, at));
  return out;
}
