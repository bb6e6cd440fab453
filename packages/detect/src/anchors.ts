/**
 * SSD anchor centres of MediaPipe's BlazeFace "back" (full-range) model, in input pixels.
 *
 * The model config (MediaPipe `face_detection_back` SsdAnchorsCalculator): input 256×256, strides 16, 32, 32, 32,
 * anchor offset 0.5, one aspect ratio with the interpolated scale, fixed anchor size. Layers of equal stride share a
 * grid, so this is a 16×16 grid with 2 anchors per cell (512) followed by an 8×8 grid with 6 anchors per cell (384):
 * 896 anchors. Fixed anchor size means each anchor is 1×1 in normalised units, so decoding is
 * `centre = regressed offset + anchor centre` and `size = regressed size`, all in input pixels.
 */
export const BLAZEFACE_LAYERS: ReadonlyArray<{ stride: number; perCell: number }> = [
  { stride: 16, perCell: 2 },
  { stride: 32, perCell: 6 },
];

/**
 * Anchor centres as [x0, y0, x1, y1, …] in input pixels (continuous coordinates: the image spans [0, size]).
 *
 * @example
 * const anchors = blazeFaceAnchors(256); // 896 anchor centres, x and y interleaved
 */
export function blazeFaceAnchors(inputSize: number): Float32Array {
  const out: number[] = [];
  for (const { stride, perCell } of BLAZEFACE_LAYERS) {
    const cells = Math.ceil(inputSize / stride);
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let k = 0; k < perCell; k++) out.push((gx + 0.5) * stride, (gy + 0.5) * stride);
      }
    }
  }
  return Float32Array.from(out);
}
