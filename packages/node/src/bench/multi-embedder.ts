import '../register-models.js';
import { FacePipeline, type PipelineOptions } from '@facekit/core';
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
    const t0 = performance.now();
    const { tensor, owned } = await toImageTensor(path);
    try {
      const [chosen] = await this.pipelines[0].facesToEmbed(tensor, { enforceDetection: false });
      const vectors: Record<string, Float32Array> = {};
      for (const p of this.pipelines) {
        const [e] = await p.embedFaces([{ image: tensor, face: chosen.face }]);
        vectors[comboKey(p.spec.name, p.options.align)] = e.vector;
      }
      return { path, detected: chosen.summary.chosen !== 'fallback', vectors, ms: performance.now() - t0 };
    } finally {
      if (owned) tensor.dispose();
    }
  }

  dispose(): void {
    for (const p of this.pipelines) p.dispose();
  }
}
