// tfjs-core keeps its gradient definitions (conv, pooling, LRN, batch norm, concat…) in a side-effect module that
// the backend-agnostic core does not load by itself; triplet training needs them. As in @facekit/deepface, the file
// is extensionless ESM that plain Node cannot resolve, so tsup bundles it (`noExternal`); the registrations land
// in tfjs' global gradient registry, shared with the app's own tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerTrainingKernels } from '@facekit/core/training';

// The conv filter gradient the wasm backend lacks, so every layer can train there, not only the dense ones.
registerTrainingKernels();
