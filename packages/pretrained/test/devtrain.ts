// LFW View 1 DevTrain evaluation for the pretrained embedders: detect (BlazeFace + FaceMesh) → align onto the
// embedder's template → embed → pair distances. DevTrain only: DevTest stays untouched for the final model choice.
import { type AlignmentTemplate, type Embedder, type Face, FacePipeline, models } from '@facekit/core';
import '@facekit/align';
import '@facekit/detect';
import '../src/index.js';
import * as tf from '@tensorflow/tfjs-core';
import { lfwDir, lfwImage, modelContext, type Pair, readPairs, readImageTensor } from '../../../test/utils.js';
import type { EmbeddingPair } from '../src/fit.js';

/** `count` pairs of pairsDevTrain.txt spread over the file: half matched, half mismatched, in file order. */
export async function devTrainPairs(count: number): Promise<Pair[]> {
  const all = await readPairs(`${lfwDir}/pairsDevTrain.txt`);
  const same = all.filter((p) => p.same);
  const diff = all.filter((p) => !p.same);
  const half = Math.min(Math.floor(count / 2), same.length, diff.length);
  const pick = (list: Pair[]) => [...Array(half).keys()].map((i) => list[Math.floor((i * list.length) / half)]);
  const a = pick(same);
  const b = pick(diff);
  return a.flatMap((p, i) => [p, b[i]]);
}

const key = (k: [string, number]) => `${k[0]}/${k[1]}`;

/** Detected faces (largest, with FaceMesh landmarks) of every image the pairs name; the whole image when none. */
export async function detectPairFaces(pairs: Pair[]): Promise<Map<string, Face>> {
  // Any registered embedder will do: only detect() is used.
  const pipeline = await FacePipeline.create(modelContext, { embedder: 'dlib-resnet34' });
  const faces = new Map<string, Face>();
  try {
    for (const p of pairs) {
      for (const k of [p.a, p.b]) {
        if (faces.has(key(k))) continue;
        const img = await readImageTensor(lfwImage(k[0], k[1]));
        try {
          const [face] = await pipeline.detect(img);
          faces.set(key(k), face ?? { box: { x: 0, y: 0, width: 250, height: 250 }, score: 0, detector: 'none' });
        } finally {
          img.dispose();
        }
      }
    }
  } finally {
    pipeline.dispose();
  }
  return faces;
}

/** Aligns every image of the pairs with the '2d' aligner (or `align`) and embeds it, `batch` faces at a time. */
export async function embedPairs(
  pairs: Pair[],
  faces: Map<string, Face>,
  embedder: Embedder,
  template: AlignmentTemplate,
  options: { batch?: number; align?: (image: tf.Tensor3D, face: Face) => tf.Tensor3D } = {},
): Promise<EmbeddingPair[]> {
  const aligner = await models.aligners.get('2d').create(modelContext);
  const align = options.align ?? ((image: tf.Tensor3D, face: Face) => aligner.align(image, face, template));
  const keys = [...new Set(pairs.flatMap((p) => [key(p.a), key(p.b)]))];
  const vectors = new Map<string, Float32Array>();
  const step = options.batch ?? 8;
  for (let i = 0; i < keys.length; i += step) {
    const chunk = keys.slice(i, i + step);
    const crops: tf.Tensor3D[] = [];
    for (const k of chunk) {
      const [name, idx] = k.split('/');
      const img = await readImageTensor(lfwImage(name, Number(idx)));
      crops.push(align(img, faces.get(k)!));
      img.dispose();
    }
    const batch = tf.stack(crops) as tf.Tensor4D;
    const out = await embedder.embed(batch);
    tf.dispose([batch, ...crops]);
    for (const [j, k] of chunk.entries()) vectors.set(k, out[j]);
  }
  return pairs.map((p) => ({ a: vectors.get(key(p.a))!, b: vectors.get(key(p.b))!, same: p.same }));
}
