// Saves a tf.LayersModel as model.json + weights.bin (the TF.js Layers format that
// models/ and the importer use), both files written atomically.
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { writeFileAtomic } from '../io/atomic.js';

function concatWeightData(data: tfTypes.io.WeightData): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

export async function saveLayersModel(model: tfTypes.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightSpecs === undefined || artifacts.weightData === undefined)
        throw new Error('mote: model.save produced no weights');
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFileAtomic(path.join(dir, 'weights.bin'), concatWeightData(artifacts.weightData));
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson, null, 2) + '\n');
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
