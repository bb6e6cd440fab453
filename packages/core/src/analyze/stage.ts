import type * as tf from '@tensorflow/tfjs-core';
import { abortCheckpoint } from '../errors.js';
import type { FaceSummary } from '../pipeline.js';
import { type ModelContext, models } from '../registry.js';
import type { Face } from '../types.js';
import { cropFaces } from './crop.js';
import type { AnalysisPlan } from './plan.js';
import type { Analyzer, FaceAnalysis, FaceAttributes } from './types.js';

/** Copies the attributes of the actions an analyser was asked for into a face's result. */
function merge(out: FaceAnalysis, attrs: FaceAttributes, actions: readonly string[], analyzer: string): void {
  for (const action of actions) {
    if (action === 'age' && attrs.age) {
      out.age = attrs.age.years;
      if (attrs.age.distribution) out.ageDistribution = attrs.age.distribution;
    } else if (action === 'gender' && attrs.gender) {
      out.gender = attrs.gender;
    } else if (action === 'emotion' && attrs.emotion) {
      out.emotion = { dominant: attrs.emotion.label, scores: attrs.emotion.scores };
    } else if (action === 'race' && attrs.race) {
      out.race = { dominant: attrs.race.label, scores: attrs.race.scores };
    } else if (action === 'spoof' && attrs.spoof) {
      out.spoof = { real: attrs.spoof.passed, score: attrs.spoof.score, threshold: attrs.spoof.threshold };
    } else if (action === 'liveness' && attrs.liveness) {
      out.liveness = { live: attrs.liveness.passed, score: attrs.liveness.score, threshold: attrs.liveness.threshold };
    } else {
      continue;
    }
    out.analyzers[action as keyof FaceAnalysis['analyzers']] = analyzer;
  }
}

/**
 * The pipeline's analyse stage: holds loaded analysers and runs a plan on faces already detected (and refined) by
 * the pipeline. Per image, each distinct crop is cut once for all faces and each analyser runs once on the batch.
 *
 * @example
 * const stage = new AnalysisStage(ctx);
 * const picked = await pipeline.facesToEmbed(image, { all: true });
 * const results = await stage.analyze(image, picked, resolveAnalysisPlan({ actions: ['age', 'emotion'] }));
 * await stage.dispose();
 */
export class AnalysisStage {
  private readonly loaded = new Map<string, Promise<Analyzer>>();

  constructor(private readonly ctx: ModelContext) {}

  /** The loaded analyser of that name (loaded once; a failed load is retried by the next call). */
  analyzer(name: string): Promise<Analyzer> {
    let entry = this.loaded.get(name);
    if (!entry) {
      entry = models.analyzers.get(name).create(this.ctx);
      this.loaded.set(name, entry);
      const mine = entry;
      entry.catch(() => {
        if (this.loaded.get(name) === mine) this.loaded.delete(name);
      });
    }
    return entry;
  }

  /** Loads every analyser of a plan (e.g. before timing). */
  async load(plan: AnalysisPlan): Promise<void> {
    await Promise.all([...plan.byAnalyzer.keys()].map((n) => this.analyzer(n)));
  }

  /** One result per face, in the order given. The image and faces are not kept; every tensor made is disposed. */
  async analyze(
    image: tf.Tensor3D,
    faces: ReadonlyArray<{ face: Face; summary: FaceSummary }>,
    plan: AnalysisPlan,
    signal?: AbortSignal,
  ): Promise<FaceAnalysis[]> {
    const out: FaceAnalysis[] = faces.map(({ face, summary }) => ({ face, summary, analyzers: {} }));
    if (faces.length === 0) return out;
    const crops = new Map<string, tf.Tensor4D>();
    try {
      for (const [name, actions] of plan.byAnalyzer) {
        await abortCheckpoint(signal);
        const analyzer = await this.analyzer(name);
        const { crop } = models.analyzers.get(name);
        const key = `${crop.scale}/${crop.size}`;
        let batch = crops.get(key);
        if (!batch) {
          batch = cropFaces(
            image,
            faces.map((f) => f.face.box),
            crop,
          );
          crops.set(key, batch);
        }
        const attrs = await analyzer.analyze(batch);
        attrs.forEach((a, i) => {
          merge(out[i], a, actions, name);
        });
      }
    } finally {
      for (const t of crops.values()) t.dispose();
    }
    return out;
  }

  /** Disposes every analyser loaded here, loads in flight included once they land. */
  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') s.value.dispose();
  }
}
