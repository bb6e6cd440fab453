// Identification and clustering on a small labelled LFW subset with the real default pipeline.
import '@facekit/detect';
import '@facekit/align';
import '@facekit/pretrained';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, modelContext, readImageTensor } from '../../../test/utils.js';
import {
  clusterEmbeddings,
  defaultClusterThreshold,
  DEFAULT_EMBEDDER,
  type Embedding,
  FacePipeline,
  Gallery,
  models,
} from '../src/index.js';
import { bcubed } from '../src/eval/index.js';

const PEOPLE = ['George_W_Bush', 'Colin_Powell', 'Tony_Blair', 'Donald_Rumsfeld', 'Gerhard_Schroeder', 'Ariel_Sharon'];
const PER_PERSON = 8; // 48 images in all

const ready = haveShared(lfwDir, 'LFW') && models.embedders.has(DEFAULT_EMBEDDER) && models.detectors.has('blazeface');

describe.runIf(ready)(`LFW subset (${PEOPLE.length} people × ${PER_PERSON} images, ${DEFAULT_EMBEDDER})`, () => {
  let pipeline: FacePipeline;
  const faces: Array<{ person: string; embedding: Embedding }> = [];

  beforeAll(async () => {
    pipeline = await FacePipeline.create(modelContext, {});
    for (const person of PEOPLE) {
      for (let i = 1; i <= PER_PERSON; i++) {
        const img = await readImageTensor(lfwImage(person, i));
        try {
          const [rep] = await pipeline.represent(img, { enforceDetection: false });
          faces.push({ person, embedding: rep.embedding });
        } finally {
          img.dispose();
        }
      }
    }
  });
  afterAll(() => pipeline?.dispose());

  it('identifies the other images of each person from one enrolled image (rank-1)', async () => {
    const g = Gallery.forEmbedder(pipeline.spec);
    const probes: typeof faces = [];
    for (const person of PEOPLE) {
      const mine = faces.filter((f) => f.person === person);
      g.enroll(person, mine[0].embedding);
      probes.push(...mine.slice(1));
    }
    const results = g.identifyMany(
      probes.map((p) => p.embedding),
      { threshold: Infinity },
    );
    const rank1 = results.filter((r, i) => r.label === probes[i].person).length / probes.length;
    console.log(`LFW subset identification: rank-1 ${(100 * rank1).toFixed(1)} % over ${probes.length} probes`);
    expect(rank1).toBeGreaterThanOrEqual(0.9);
    // With the embedder's own threshold, a known face is rarely called unknown.
    const known = g.identifyMany(probes.map((p) => p.embedding)).filter((r) => r.known).length;
    expect(known / probes.length).toBeGreaterThanOrEqual(0.8);

    // The image convenience leaks no tensors.
    const img = await readImageTensor(lfwImage(PEOPLE[0], PER_PERSON + 1));
    try {
      await g.identifyImage(pipeline, img);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) expect((await g.identifyImage(pipeline, img))[0].label).toBe(PEOPLE[0]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      img.dispose();
    }
  });

  it('clusters the subset into its people (BCubed)', () => {
    const truth = faces.map((f) => f.person);
    const embeddings = faces.map((f) => f.embedding);
    const metric = pipeline.spec.defaultMetric;
    const threshold = defaultClusterThreshold(pipeline.spec, 'agglomerative', metric)!;
    const cwThreshold = defaultClusterThreshold(pipeline.spec, 'chinese-whispers', metric)!;
    const report: string[] = [];
    const runs = {
      agglomerative: clusterEmbeddings(embeddings, { metric, threshold }),
      'chinese-whispers': clusterEmbeddings(embeddings, { method: 'chinese-whispers', metric, threshold: cwThreshold }),
      'kmeans k=6': clusterEmbeddings(embeddings, { method: 'kmeans', metric, k: PEOPLE.length, seed: 1 }),
      'kmeans silhouette': clusterEmbeddings(embeddings, { method: 'kmeans', metric, kRange: [2, 12], seed: 1 }),
    };
    for (const [name, r] of Object.entries(runs)) {
      const s = bcubed(r.labels, truth);
      report.push(
        `${name}: ${r.clusters.length} clusters, P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`,
      );
    }
    console.log(`LFW subset clustering (${metric} ≤ ${threshold}):\n  ${report.join('\n  ')}`);
    expect(bcubed(runs.agglomerative.labels, truth).f1).toBeGreaterThanOrEqual(0.9);
    expect(bcubed(runs['chinese-whispers'].labels, truth).f1).toBeGreaterThanOrEqual(0.85);
    expect(bcubed(runs['kmeans k=6'].labels, truth).f1).toBeGreaterThanOrEqual(0.9);
    expect(runs['kmeans silhouette'].clusters.length).toBeGreaterThanOrEqual(4);
    expect(runs['kmeans silhouette'].clusters.length).toBeLessThanOrEqual(8);
  });
});
