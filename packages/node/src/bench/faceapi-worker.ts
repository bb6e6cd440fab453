// Worker-thread entry for `facekit bench speed`: @vladmandic/face-api's usual pipeline (SSD-MobileNetV1 → 68
// landmarks → ResNet-34 descriptor) on its own tfjs instance with the wasm backend (see faceapi-runtime.ts).
import { faceApiTask } from './faceapi-runtime.js';

/** Decodes each file and runs face-api's detect → landmarks → descriptor; returns the faces found per image. */
export default faceApiTask(['ssdMobilenetv1', 'faceLandmark68Net', 'faceRecognitionNet'], (faceapi, image) =>
  faceapi
    .detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
    .withFaceLandmarks()
    .withFaceDescriptors(),
);
