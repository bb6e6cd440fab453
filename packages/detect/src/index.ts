import { models } from '@facekit/core';
import { blazeFaceSpec } from './blazeface.js';
import { faceMeshSpec } from './facemesh.js';
import { mtcnnSpec } from './mtcnn.js';
import { ssdMobilenetSpec } from './ssd-mobilenet.js';
import { tinyFaceSpec } from './tiny-face.js';

export * from './blazeface.js';
export type { BlazeFaceOptions } from './blazeface-options.js';
export * from './facemesh.js';
export { blazeFaceAnchors } from './anchors.js';
export { fiveFromKeypoints, MOUTH_TO_EYE_WIDTH } from './five-points.js';
export { AUTO_MIN_FACE_SIZE, SINGLE_LOOK_MIN_FACE, tileWindows, ZOOM_OUT_FILL } from './looks.js';
export { MESH_TO_68 } from './mesh-68.js';
export * from './mtcnn.js';
export { MtcnnNets, mtcnnNetsFromWeights } from './mtcnn-nets.js';
export * from './ssd-mobilenet.js';
export * from './tiny-face.js';
export { rawDetection, type RawDetection } from './raw-detections.js';

models.detectors.register(blazeFaceSpec);
models.landmarkers.register(faceMeshSpec);
models.detectors.register(mtcnnSpec);
models.detectors.register(tinyFaceSpec);
models.detectors.register(ssdMobilenetSpec);
