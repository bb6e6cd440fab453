import { FaceKitError, type WeightsEntry } from '@facekit/core';
import { deepFaceExpectedLayers } from '@facekit/deepface';
import { expectedWeights, inceptionResnetV1, openfaceNetwork } from '@facekit/facenet';
import { checkKerasWeights, type ExpectedLayer } from '@facekit/keras';
import { openKerasWeightsFile } from '@facekit/keras/node';

/** Checks a weights file before it enters the cache; throws E_WEIGHTS_FORMAT naming what is wrong. */
export type WeightsStructureCheck = (entry: WeightsEntry, path: string) => Promise<void>;

/** The layers and shapes each embedder's own loader expects (from the same definitions that load the weights). */
function expectedLayers(embedder: string): ExpectedLayer[] | undefined {
  switch (embedder) {
    case 'facenet':
      return expectedWeights(inceptionResnetV1(128));
    case 'facenet512':
      return expectedWeights(inceptionResnetV1(512));
    case 'openface':
      return expectedWeights(openfaceNetwork);
    case 'deepface':
      return deepFaceExpectedLayers();
    default:
      return undefined;
  }
}

/**
 * The default check: the file opens as HDF5 in the Keras `save_weights` layout and holds every layer, weight name and
 * shape the embedder's loader expects. Reads no weight data (h5wasm reads the file from disk on demand).
 */
export const kerasStructureCheck: WeightsStructureCheck = async (entry, path) => {
  const expected = expectedLayers(entry.embedder);
  try {
    const file = await openKerasWeightsFile(path);
    try {
      if (expected) checkKerasWeights(file, expected);
      else if (file.layerNames.length === 0) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `${path}: the file lists no Keras layers`);
      }
    } finally {
      file.close();
    }
  } catch (e) {
    if (!(e instanceof FaceKitError && e.code === 'E_WEIGHTS_FORMAT')) throw e;
    // The file is a temp file: name the weights and their source instead.
    const message = e.message.split(path).join('the file');
    throw new FaceKitError('E_WEIGHTS_FORMAT', `weights '${entry.name}' from ${entry.url}: ${message}`, {
      cause: e,
      details: e.details,
    });
  }
};
