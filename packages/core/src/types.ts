import type { Tensor3D } from '@tensorflow/tfjs-core';

/**
 * [x, y] in pixels of the image the face was found in.
 *
 * @example
 * const noseTip: Point = face.five![2];
 */
export type Point = [number, number];
/**
 * [x, y, z]; z in the same pixel units, larger = further from the camera.
 *
 * @example
 * const [x, y, z]: Point3 = face.mesh![1];
 */
export type Point3 = [number, number, number];

/**
 * Axis-aligned box in pixels; (x, y) is the top-left corner.
 *
 * @example
 * const box: Box = { x: 40, y: 30, width: 120, height: 150 };
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * An RGB image as a tensor [height, width, 3], values 0..255 (int32 or float32). facekit never keeps a reference
 * to an image tensor you pass in: disposing it stays your job.
 *
 * @example
 * const image: ImageTensor = tf.zeros([480, 640, 3], 'int32');
 * const faces = await detect(image); // facekit does not dispose it
 * image.dispose();
 */
export type ImageTensor = Tensor3D;

/**
 * The five points every aligner understands, in image-left → image-right order: the eye on the image's left,
 * the eye on the image's right, the nose tip, the mouth corner on the left, the mouth corner on the right.
 *
 * @example
 * const [eyeL, eyeR, nose, mouthL, mouthR]: FivePoints = face.five!;
 */
export type FivePoints = [Point, Point, Point, Point, Point];

/**
 * A detected face: its box and score, and the points the landmarker adds (five, 68 landmarks, the 468-point mesh).
 *
 * @example
 * const [face]: Face[] = await detect('photo.jpg');
 * console.log(face.box, face.score, face.five, face.landmarks?.length); // …, 68
 */
export interface Face {
  box: Box;
  /** Detector confidence in [0, 1]; 0 for the whole-image fallback. */
  score: number;
  /** The five alignment points (from the landmarks when there are some, else from the detector's keypoints). */
  five?: FivePoints;
  /** 68 points in the iBUG 300-W order (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67). */
  landmarks?: Point[];
  /** Dense 3D mesh where the landmarker provides one (FaceMesh: 468 points). */
  mesh?: Point3[];
  /** Which detector produced the box ('none' for the whole-image fallback). */
  detector: string;
}

/**
 * An embedding with the name of the embedder that made it; comparing across embedders is an error.
 *
 * @example
 * const [{ embedding }] = await represent('a.jpg');
 * embedding.embedder; // 'dlib-resnet34'
 * embedding.vector.length; // 128
 */
export interface Embedding {
  vector: Float32Array;
  embedder: string;
  /**
   * Fingerprint of the weights that made it (12 hex digits of a sha256 over the bytes the embedder loaded): the
   * embedder's name alone cannot tell a fine-tuned file from the stock one. Absent where unknown.
   */
  weights?: string;
}
