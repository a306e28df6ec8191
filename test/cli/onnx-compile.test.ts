// `mote compile model.onnx`: imports, compresses conv weights, runs; bad or unsupported
// files exit 1 with the reason and leave any earlier output untouched.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { ONNX_BACKEND } from '../../src/import/onnx/conformance.js';
import { load, run } from '../../src/runtime/model.js';
import { inspect } from '../../src/format/inspect.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-onnx-cli-'));
const DEPTHWISE = `${ONNX_BACKEND}test_Conv2d_depthwise_with_multiplier/model.onnx`;

describe('mote compile model.onnx', () => {
  it('compiles with clustered conv weights, and the result runs', async () => {
    const out = path.join(dir, 'dw.mote');
    const r = await main(['compile', DEPTHWISE, '-o', out, '--cluster', '4']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/transpose → conv2d → transpose/);
    const bytes = new Uint8Array(readFileSync(out));
    const t = inspect(bytes).tensors.find((x) => x.shape.length === 4)!;
    expect(t.encoding).toBe('codebook');
    const m = load(bytes);
    expect(m.graph.values[m.graph.inputs[0]].shape).toEqual([4, 6, 6]); // NCHW, one sample
    expect(run(m, new Float32Array(144).fill(1)).outputs[0]).toHaveLength(8 * 4 * 4);
  });

  it('a model it cannot take or a truncated file exits 1, names the problem, and keeps the old output', async () => {
    const out = path.join(dir, 'keep.mote');
    writeFileSync(out, 'previous');
    // Its Add takes a constant that varies along the batch axis, which mote's layout refuses.
    const params = await main(['compile', `${ONNX_BACKEND}test_operator_params/model.onnx`, '-o', out]);
    expect(params.code).toBe(1);
    expect(params.err).toMatch(/node 0 \(Add\): a constant of shape \[2,2\] varies along the batch axis/);
    const cut = path.join(dir, 'cut.onnx');
    writeFileSync(cut, readFileSync(DEPTHWISE).subarray(0, 200));
    const bad = await main(['compile', cut, '-o', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /cut\.onnx: not a valid ONNX model \(truncated or corrupt protobuf near byte \d+/,
    );
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
