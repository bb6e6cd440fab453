/**
 * FaceMesh (MediaPipe, 468 points) index → iBUG 300-W 68-point order.
 *
 * Provenance: the widely used MediaPipe→dlib/iBUG-68 correspondence (it appears unchanged in, e.g., ByteDance's
 * LatentSync `LM68_FROM_MP478`, MaixPy's MediaPipe→OpenPose-68 table and many face-swap / 3DMM fitting tools). Each
 * iBUG point takes the one mesh vertex at the same anatomical spot; the jaw (0–16) follows the mesh's face oval from
 * the subject's right temple (image-left) under the chin to the left temple, the brows use the upper brow contour,
 * 27–30 run down the nose ridge to the tip (mesh 4), the eyes start at the outer corners (mesh 33 and 362 is the
 * inner corner of the other eye, as iBUG's 42), and the mouth starts at the subject's right corner (mesh 61).
 *
 * @example
 * const landmarks = MESH_TO_68.map((i) => [mesh[i][0], mesh[i][1]]); // = landmarks68FromMesh(mesh)
 */
export const MESH_TO_68: readonly number[] = [
  // 0–16 jaw, subject's right temple → chin → left temple
  162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
  // 17–21 right brow (image-left), outer → inner
  71, 63, 105, 66, 107,
  // 22–26 left brow, inner → outer
  336, 296, 334, 293, 301,
  // 27–30 nose ridge, top → tip
  168, 197, 5, 4,
  // 31–35 nostrils and base, right → left
  75, 97, 2, 326, 305,
  // 36–41 right eye: outer corner, upper lid ×2, inner corner, lower lid ×2
  33, 160, 158, 133, 153, 144,
  // 42–47 left eye: inner corner, upper lid ×2, outer corner, lower lid ×2
  362, 385, 387, 263, 373, 380,
  // 48–59 outer lips, right corner, clockwise on screen
  61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
  // 60–67 inner lips
  78, 82, 13, 312, 308, 317, 14, 87,
];

/** Closed contours of the eyes (upper and lower lid, 16 points each); their means are the eye centres. */
export const MESH_RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173];
export const MESH_LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398];
/** Nose tip (the vertex nearest the camera on frontal LFW faces, also iBUG 30) and mouth corners. */
export const MESH_NOSE_TIP = 4;
export const MESH_MOUTH_RIGHT = 61;
export const MESH_MOUTH_LEFT = 291;
