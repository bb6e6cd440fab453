import { FaceKitError } from './errors.js';
import { assertMetric, distance, type MetricName } from './metrics.js';
import { PIPELINE_OPTIONS } from './options.js';
import type { EmbedderSpec } from './registry.js';
import type { Embedding } from './types.js';

/**
 * The evidence of one comparison: the decision, the distance and threshold it was taken with, and a confidence.
 *
 * @example
 * const v: Verdict = compareEmbeddings(a, b, spec);
 * if (v.verified) console.log(`same person (${v.distance} ≤ ${v.threshold})`);
 */
export interface Verdict {
  /** Same person: distance ≤ threshold. */
  verified: boolean;
  distance: number;
  threshold: number;
  metric: MetricName;
  /**
   * Calibrated probability that the two faces are the same person, from a logistic fit of LFW distances
   * (0.5 at the threshold). Without a calibration for this metric it falls back to a unit-free logistic.
   */
  confidence: number;
  embedder: string;
}

/**
 * The threshold for a spec and metric, or an E_CONFIG error naming the metrics that have one.
 *
 * @example
 * defaultThreshold(models.embedders.get('dlib-resnet34'), 'euclidean'); // its fitted euclidean threshold
 */
export function defaultThreshold(spec: Pick<EmbedderSpec, 'name' | 'thresholds'>, metric: MetricName): number {
  const t = spec.thresholds[metric];
  if (t === undefined) {
    const known = Object.keys(spec.thresholds).join(', ');
    throw new FaceKitError(
      'E_CONFIG',
      `embedder '${spec.name}' has no default threshold for metric '${metric}' (has: ${known}); pass one explicitly`,
    );
  }
  return t;
}

/**
 * Logistic P(same | distance); 0.5 at the threshold, steeper for a larger scale.
 *
 * @example
 * confidenceFromDistance(0.6, 0.6, 20); // 0.5: exactly at the threshold
 * confidenceFromDistance(0.4, 0.6, 20); // ≈ 0.98
 */
export function confidenceFromDistance(d: number, threshold: number, scale: number): number {
  const z = scale * (d - threshold);
  return 1 / (1 + Math.exp(Math.max(-50, Math.min(50, z))));
}

/**
 * Compares two embeddings of the same embedder and returns the evidence.
 *
 * @example
 * const v = compareEmbeddings(a, b, spec, { metric: 'cosine' }); // { verified, distance, threshold, confidence }
 */
export function compareEmbeddings(
  a: Embedding,
  b: Embedding,
  spec: Pick<EmbedderSpec, 'name' | 'thresholds' | 'calibration' | 'defaultMetric'>,
  options: { metric?: MetricName; threshold?: number } = {},
): Verdict {
  const metric = options.metric ?? spec.defaultMetric;
  assertMetric(metric);
  if (a.embedder !== spec.name) {
    throw new FaceKitError('E_EMBEDDING_MISMATCH', `embedding of '${a.embedder}' passed to embedder '${spec.name}'`);
  }
  // The option's own check (options.ts), also for an embedder's default.
  const threshold = PIPELINE_OPTIONS.threshold.check(options.threshold ?? defaultThreshold(spec, metric));
  const d = distance(a, b, metric);
  // Without a fitted scale, use one that maps ±10 % of the threshold to ≈ 27 % / 73 %.
  const scale = spec.calibration?.[metric]?.scale ?? 10 / Math.max(threshold, 1e-6);
  return {
    verified: d <= threshold,
    distance: d,
    threshold,
    metric,
    confidence: confidenceFromDistance(d, threshold, scale),
    embedder: spec.name,
  };
}
