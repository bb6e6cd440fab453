// Builds small Keras-layout HDF5 files in memory with h5wasm, for hostile-file tests (nothing is written to disk).
import h5wasm from 'h5wasm';

export interface BuiltWeight {
  name: string;
  /** Stored values (float32 unless `dtype` says otherwise). */
  data: Float32Array | Int32Array;
  shape: number[];
  /** Resize the (chunked) dataset to this shape after writing: claims more elements than the file holds. */
  claim?: number[];
}

let counter = 0;

/**
 * A Keras 2 save_weights file: root `layer_names`, one group per layer with `weight_names`, datasets at
 * `<layer>/<weight name>`. `listed` adds names to `layer_names` without a group.
 */
export async function buildKerasH5(
  layers: Array<{ name: string; weights: BuiltWeight[] }>,
  listed: string[] = [],
): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = `/hostile-${++counter}.h5`;
  const f = new h5wasm.File(path, 'w');
  try {
    f.create_attribute('layer_names', [...layers.map((l) => l.name), ...listed]);
    for (const layer of layers) {
      const g = f.create_group(layer.name);
      if (layer.weights.length)
        g.create_attribute(
          'weight_names',
          layer.weights.map((w) => w.name),
        );
      for (const w of layer.weights) {
        const cut = w.name.lastIndexOf('/');
        const parent = cut > 0 ? (g.get(w.name.slice(0, cut)) ?? g.create_group(w.name.slice(0, cut))) : g;
        const d = (parent as typeof g).create_dataset({
          name: w.name.slice(cut + 1),
          data: w.data,
          shape: w.shape,
          ...(w.claim ? { maxshape: w.shape.map(() => null), chunks: w.shape.map((n) => Math.max(1, n)) } : {}),
        });
        if (w.claim) d.resize(w.claim);
      }
    }
  } finally {
    f.close();
  }
  const bytes = FS.readFile(path) as Uint8Array;
  FS.unlink(path);
  return new Uint8Array(bytes);
}

/** One dense layer `dense` with kernel [2, 2] and bias [2], the smallest valid file. */
export const denseLayer = (kernel: Partial<BuiltWeight> = {}) => ({
  name: 'dense',
  weights: [
    { name: 'dense/kernel:0', data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], ...kernel },
    { name: 'dense/bias:0', data: new Float32Array([5, 6]), shape: [2] },
  ],
});

export const denseExpected = [
  {
    layer: 'dense',
    weights: [
      { name: 'kernel', shape: [2, 2] },
      { name: 'bias', shape: [2] },
    ],
  },
];
