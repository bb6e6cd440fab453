import { findWeightsEntry, registerWeightsEntry, type WeightsEntry } from '@facekit/core';

const DEEPFACE_RELEASE = 'https://github.com/serengil/deepface_models/releases/download/v1.0';

/**
 * The weights catalogue entries of this package's embedders: deepface's published Keras files, under the names
 * deepface caches them as. Registered into core's one weights catalogue on import (see registerFacenetEmbedders).
 *
 * @example
 * FACENET_WEIGHTS.map((e) => e.file); // ['facenet_weights.h5', 'facenet512_weights.h5', 'openface_weights.h5']
 */
export const FACENET_WEIGHTS: readonly WeightsEntry[] = [
  {
    name: 'facenet',
    embedder: 'facenet',
    description: "FaceNet Inception-ResNet-v1 128-D (deepface's Facenet)",
    url: `${DEEPFACE_RELEASE}/facenet_weights.h5`,
    file: 'facenet_weights.h5',
    format: 'keras-h5',
  },
  {
    name: 'facenet512',
    embedder: 'facenet512',
    description: "FaceNet Inception-ResNet-v1 512-D (deepface's Facenet512)",
    url: `${DEEPFACE_RELEASE}/facenet512_weights.h5`,
    file: 'facenet512_weights.h5',
    format: 'keras-h5',
  },
  {
    name: 'openface',
    embedder: 'openface',
    description: "OpenFace nn4.small2.v1 (deepface's OpenFace)",
    url: `${DEEPFACE_RELEASE}/openface_weights.h5`,
    file: 'openface_weights.h5',
    format: 'keras-h5',
  },
];

/**
 * Adds {@link FACENET_WEIGHTS} to core's weights catalogue, keeping an entry an application registered first
 * (a pin, a mirror). Idempotent.
 *
 * @example
 * registerFacenetWeights(); // done on import of @facekit/facenet
 * weightsEntry('openface').file; // 'openface_weights.h5'
 */
export function registerFacenetWeights(): void {
  for (const entry of FACENET_WEIGHTS) if (!findWeightsEntry(entry.name)) registerWeightsEntry(entry);
}
