// '@facekit/core/app': the part of core that an application holds — errors, comparing embeddings, the in-memory
// gallery, clustering, the model registry, the analysis actions, and the types of what the API takes and returns.
// The roots of @facekit/node and @facekit/web re-export exactly this, so the two surfaces are defined once.
// It imports core by its own package name: at run time the subpath is a view of the one core module (one
// FaceKitError class, one registry), not a second copy.
export {
  type AnalysisAction,
  type AnalyzeOptions,
  ANALYSIS_ACTIONS,
  type Box,
  type ClusterOptions,
  type ClusterResult,
  clusterEmbeddings,
  compareEmbeddings,
  DEFAULT_EMBEDDER,
  DEFAULT_MAX_PIXELS,
  EMOTION_LABELS,
  type Embedding,
  type EmbedderSpec,
  type Face,
  type FaceAnalysis,
  FaceKitError,
  type FaceKitErrorCode,
  type FacePick,
  type FaceSummary,
  Gallery,
  type GalleryMatch,
  type IdentifyResult,
  isFaceKitError,
  METRICS,
  type MetricName,
  models,
  type Point,
  type Representation,
  type Verdict,
  type VerifyResult,
} from '@facekit/core';
