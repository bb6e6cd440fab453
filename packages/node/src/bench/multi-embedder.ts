import '../register-models.js';
import { FacePipeline, type PipelineOptions } from '@facekit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { ensureBackend } from '../backend.js';
import { toImageTensor } from '../decode.js';
import { nodeModelContext } from '../model-context.js';

/** One image's embeddings under several embedder × aligner combinations, computed on one detection. */
export interface ImageEmbeddings {
  path: string;
  /** False when no face was found and the whole image was used (counted, never dropped). */
  detected: boolean;
  /** Keyed by `comboKey(embedder, aligner)`. */
  vectors: Record<string, Float32Array>;
  /** Decode + detect + align + embed time for this image, all combinations. */
  ms: number;
}

export interface MultiEmbedderOptions extends Omit<PipelineOptions, 'embedder' | 'align'> {
  embedders: string[];
  /** Aligners to compare (default ['2d']). */
  aligners?: string[];
  backend?: string;
  weightsPath?: string;
}

/** The key of one embedder × aligner combination in `ImageEmbeddings.vectors`. */
export function comboKey(embedder: string, aligner: string): string {
  return `${embedder}|${aligner}`;
}

/**
 * Detects once per image and embeds the chosen face with each embedder under each aligner, so that combinations are
 * compared on identical detections and the detector runs once.
 */
export class MultiEmbedder {
  private constructor(private readonly pipelines: FacePipeline[]) {}

  static async create(options: MultiEmbedderOptions): Promise<MultiEmbedder> {
    await ensureBackend(options.backend);
    const ctx = nodeModelContext({ weightsPath: options.weightsPath });
    const { embedders, aligners = ['2d'], backend: _b, weightsPath: _w, ...rest } = options;
    const pipelines: FacePipeline[] = [];
    for (const align of aligners) {
      for (const embedder of embedders) pipelines.push(await FacePipeline.create(ctx, { ...rest, embedder, align }));
    }
    return new MultiEmbedder(pipelines);
  }

  async embedFile(path: string): Promise<ImageEmbeddings> {
    const [r] = await this.embedFiles([path]);
    return r;
  }

  /**
   * Several files with one embedder call per combination: every image is decoded and detected first, then all the
   * chosen faces are aligned and embedded as one batch (a batch of 8–16 chips costs less per face than one).
   */
  async embedFiles(paths: readonly string[]): Promise<ImageEmbeddings[]> {
    const t0 = performance.now();
    const images: Array<{ tensor: tf.Tensor3D; owned: boolean }> = [];
    try {
      const chosen: Array<Awaited<ReturnType<FacePipeline['facesToEmbed']>>[number]> = [];
      for (const path of paths) {
        const decoded = await toImageTensor(path);
        images.push(decoded);
        const [c] = await this.pipelines[0].facesToEmbed(decoded.tensor, { enforceDetection: false });
        chosen.push(c);
      }
      const items = chosen.map((c, i) => ({ image: images[i].tensor, face: c.face }));
      const out: ImageEmbeddings[] = paths.map((path, i) => ({
        path,
        detected: chosen[i].summary.chosen !== 'fallback',
        vectors: {},
        ms: 0,
      }));
      for (const p of this.pipelines) {
        const embeddings = await p.embedFaces(items);
        embeddings.forEach((e, i) => {
          out[i].vectors[comboKey(p.spec.name, p.options.align)] = e.vector;
        });
      }
      const ms = (performance.now() - t0) / Math.max(1, paths.length);
      for (const o of out) o.ms = ms;
      return out;
    } finally {
      for (const d of images) if (d.owned) d.tensor.dispose();
    }
  }

  dispose(): void {
    for (const p of this.pipelines) p.dispose();
  }
}
