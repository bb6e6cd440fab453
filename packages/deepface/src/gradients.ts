// tfjs-core keeps its gradient definitions (conv, pooling, slice, concat, batched matMul…) in a side-effect module
// that the backend-agnostic core does not load by itself. Training and gradient tests need them registered.
// The file is published as extensionless ESM, which plain Node cannot resolve, so tsup bundles it (`noExternal`);
// the registrations land in tfjs' global gradient registry, shared with the app's own tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerTrainingKernels } from '@facekit/core/training';

// The one conv filter gradient: wasm's Conv2DBackpropFilter, and the kernel of C1/C3's conv2dFilterGrad.
registerTrainingKernels();
