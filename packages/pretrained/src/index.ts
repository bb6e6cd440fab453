import { models } from '@facekit/core';
import { dlibResNet34Spec, mobileFaceNetSpec } from './specs.js';

export * from './dlib-resnet.js';
export * from './dlib-template.js';
export * from './fit.js';
export * from './mobilefacenet.js';
export { repairFusedPrelu } from './prelu-repair.js';
export * from './specs.js';

models.embedders.register(dlibResNet34Spec);
models.embedders.register(mobileFaceNetSpec);
