// The model packages register their detectors, landmarkers, aligners and embedders in core's registry on import.
// Every entry point that builds pipelines (the API, the CLI, worker threads) imports this module once.
import '@facekit/detect';
import '@facekit/align';
import '@facekit/pretrained';
import '@facekit/facenet';
import '@facekit/deepface';
