// The ONNX backend test cases of thirdparty/onnx-backend (in the repository; not
// shipped): each model run through import → .mote bytes → runtime and compared with its
// expected outputs. Used by test/import/onnx-conformance.test.ts and `npm run bench:onnx`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ONNX_BACKEND_DIR } from '../../build/paths.js';
import { importOnnxModel } from './import.js';
import { decodeTensor, tensorValues } from './decode.js';
import { runBatched } from './batch.js';
import { writeMote } from '../../format/writer.js';
import { load } from '../../runtime/model.js';

export const ONNX_BACKEND = ONNX_BACKEND_DIR + path.sep;

export function caseNames(): string[] {
  return readdirSync(ONNX_BACKEND)
    .filter((d) => existsSync(`${ONNX_BACKEND}${d}/model.onnx`))
    .sort();
}

export function readPb(file: string): { dims: number[]; data: Float32Array } {
  const t = tensorValues(decodeTensor(readFileSync(file), file), file);
  return { dims: t.dims, data: Float32Array.from(t.data) };
}

export interface CaseResult {
  name: string;
  pass: boolean;
  /** Largest |got − want| − rtol·|want| over all outputs (≤ atol passes). */
  worst: number;
  error?: string;
}

export const RTOL = 1e-3;
export const ATOL = 1e-5;

export function runCase(name: string, plan = 'stream'): CaseResult {
  const dir = `${ONNX_BACKEND}${name}/`;
  try {
    const imp = importOnnxModel(readFileSync(dir + 'model.onnx'), `${name}/model.onnx`);
    const model = load(writeMote(imp.graph), { plan });
    const data = `${dir}test_data_set_0/`;
    const inputs = imp.inputs.map((_, i) => readPb(`${data}input_${i}.pb`).data);
    const got = runBatched(model, imp, inputs);
    let worst = -Infinity;
    imp.outputs.forEach((_, k) => {
      const want = readPb(`${data}output_${k}.pb`).data;
      if (want.length !== got[k].length)
        throw new Error(`output ${k}: ${got[k].length} values, expected ${want.length}`);
      for (let i = 0; i < want.length; i++) {
        const err = Math.abs(got[k][i] - want[i]) - RTOL * Math.abs(want[i]);
        if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
      }
    });
    return { name, pass: worst <= ATOL, worst };
  } catch (e) {
    return { name, pass: false, worst: Infinity, error: (e as Error).message };
  }
}
