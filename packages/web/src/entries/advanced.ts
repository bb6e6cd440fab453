// '@facekit/web/advanced': the building blocks under the application API — core whole (the model registry,
// FacePipeline, the platform API, metrics, indexes, clustering, the weights catalogue) and the browser's decoding,
// model context, model-file loader and option schema. The package root is the curated application API.
export * from '@facekit/core';
export { type DecodeOptions, decodeImageBytes, toImageTensor } from '../decode.js';
export { webModelContext } from '../model-context.js';
export { WEB_OPTIONS } from '../options.js';
export { webPlatform } from '../pipeline.js';
export { type UrlFileLoaderOptions, urlFileLoader } from '../remote-model-files.js';
