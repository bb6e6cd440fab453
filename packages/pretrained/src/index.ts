import { models } from '@facekit/core';
import { ANALYZER_SPECS } from './analyzers/specs.js';
import { dlibResNet34Spec, faceResSpec, mobileFaceNetSpec } from './specs.js';

export * from './analyzers/index.js';
export * from './dlib-dat.js';
export * from './dlib-resnet.js';
export * from './dlib-template.js';
export * from './faceres.js';
export * from './fit.js';
export * from './mobilefacenet.js';
export { repairFusedPrelu } from './prelu-repair.js';
export * from './specs.js';

models.embedders.register(dlibResNet34Spec);
models.embedders.register(mobileFaceNetSpec);
models.embedders.register(faceResSpec);
for (const spec of ANALYZER_SPECS) models.analyzers.register(spec);
