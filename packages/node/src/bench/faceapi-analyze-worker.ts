// Worker-thread entry for `facekit bench speed --analyze`: @vladmandic/face-api's age/gender/expression pipeline
// (SSD-MobileNetV1 → AgeGenderNet + FaceExpressionNet on every detected face) on its own tfjs instance with the
// wasm backend (see faceapi-runtime.ts).
import { faceApiTask } from './faceapi-runtime.js';

/** Decodes each file and runs detectAllFaces().withAgeAndGender().withFaceExpressions(); faces found per image. */
export default faceApiTask(['ssdMobilenetv1', 'ageGenderNet', 'faceExpressionNet'], (faceapi, image) =>
  faceapi
    .detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
    .withAgeAndGender()
    .withFaceExpressions(),
);
