import { FaceKitError } from '@facekit/core';
import type {
  ConvBnOptions,
  ConvOptions,
  L2PoolNames,
  NetworkDefinition,
  Ops,
  Padding2D,
  ResidualNames,
} from './graph.js';

/** A value of the frozen prefix that the head run skipped (never computed); each one is its own token. */
class Skipped {}

/** Thrown by the prefix run to stop the graph at the cut; carries the cut op's input. */
class CutReached<T> {
  constructor(readonly input: T) {}
}

/**
 * Runs one part of a network graph cut just before its first op that uses one of the `head` layers (the cut op):
 * - `prefix`: the ops before the cut are run by `inner`; the graph stops at the cut and the cut op's input is the
 *   result (the frozen trunk's output).
 * - `head`: the ops before the cut are skipped; `features` stands in for the cut op's input (there and wherever
 *   a later op uses that same value), and the ops from the cut on run on `inner`. When a later op needs another
 *   value from before the cut (a skip connection around it), the cut is not clean and the run throws E_CONFIG.
 */
class SplitOps<T> implements Ops<T | Skipped> {
  private reached = false;
  /** Head run: the skipped value the cut op takes, stood in for by `features` wherever the head uses it. */
  private cutInput?: T | Skipped;

  constructor(
    private readonly inner: Ops<T>,
    private readonly head: ReadonlySet<string>,
    private readonly mode: 'prefix' | 'head',
    private readonly features?: T,
  ) {}

  private op(layers: string[], inputs: Array<T | Skipped>, run: (xs: T[]) => T): T | Skipped {
    if (!this.reached) {
      if (!layers.some((l) => this.head.has(l))) return this.mode === 'prefix' ? run(inputs as T[]) : new Skipped();
      this.reached = true;
      if (this.mode === 'prefix') throw new CutReached(inputs[0] as T);
      this.cutInput = inputs[0];
    }
    inputs = inputs.map((x) => (x === this.cutInput ? (this.features as T) : x));
    if (inputs.some((x) => x instanceof Skipped)) {
      throw new FaceKitError(
        'E_CONFIG',
        'the trainable layers use values from before the first of them (no clean cut)',
      );
    }
    return run(inputs as T[]);
  }

  convBn(x: T | Skipped, o: ConvBnOptions): T | Skipped {
    return this.op([o.conv, o.bn], [x], ([v]) => this.inner.convBn(v, o));
  }
  conv(x: T | Skipped, name: string, o: ConvOptions): T | Skipped {
    return this.op([name], [x], ([v]) => this.inner.conv(v, name, o));
  }
  relu(x: T | Skipped, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.relu(v, name));
  }
  maxPool(x: T | Skipped, size: number, strides: number, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.maxPool(v, size, strides, name));
  }
  avgPool(x: T | Skipped, size: number, strides: number, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.avgPool(v, size, strides, name));
  }
  zeroPad(x: T | Skipped, padding: Padding2D, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.zeroPad(v, padding, name));
  }
  concat(xs: Array<T | Skipped>, name?: string): T | Skipped {
    return this.op([], xs, (vs) => this.inner.concat(vs, name));
  }
  residual(x: T | Skipped, y: T | Skipped, scale: number, names?: ResidualNames): T | Skipped {
    return this.op([], [x, y], ([a, b]) => this.inner.residual(a, b, scale, names));
  }
  lrn(
    x: T | Skipped,
    name: string,
    p: { depthRadius: number; bias: number; alpha: number; beta: number },
  ): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.lrn(v, name, p));
  }
  l2Pool(x: T | Skipped, size: number, strides: number, names?: L2PoolNames): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.l2Pool(v, size, strides, names));
  }
  globalAvgPool(x: T | Skipped, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.globalAvgPool(v, name));
  }
  dropout(x: T | Skipped, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.dropout(v, name));
  }
  flatten(x: T | Skipped, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.flatten(v, name));
  }
  dense(x: T | Skipped, name: string, units: number, bias: boolean): T | Skipped {
    return this.op([name], [x], ([v]) => this.inner.dense(v, name, units, bias));
  }
  bn(x: T | Skipped, name: string, eps: number, scale: boolean): T | Skipped {
    return this.op([name], [x], ([v]) => this.inner.bn(v, name, eps, scale));
  }
  l2Normalize(x: T | Skipped, name?: string): T | Skipped {
    return this.op([], [x], ([v]) => this.inner.l2Normalize(v, name));
  }
}

/**
 * The frozen trunk of a network: its graph run up to (not including) the first op that uses one of the `head`
 * layers, whose input is returned. Throws E_CONFIG when no op uses a head layer.
 *
 * @example
 * const features = runTrunk(openfaceNetwork, new ShapeOps(), new Set(['dense_layer']), [96, 96, 3]); // [736]
 */
export function runTrunk<T>(def: NetworkDefinition, inner: Ops<T>, head: ReadonlySet<string>, input: T): T {
  try {
    def.graph<T | Skipped>(new SplitOps(inner, head, 'prefix'), input);
  } catch (e) {
    if (e instanceof CutReached) return e.input as T;
    throw e;
  }
  throw new FaceKitError('E_CONFIG', `${def.name}: no op uses the trainable layers`);
}

/**
 * The head of a network: its graph from the first op that uses one of the `head` layers on, fed with `features`
 * (what {@link runTrunk} returns). Throws E_CONFIG when the head needs other values of the trunk (no clean cut).
 *
 * @example
 * const out = runHead(openfaceNetwork, new ShapeOps(), new Set(['dense_layer']), [736]); // [128]
 */
export function runHead<T>(def: NetworkDefinition, inner: Ops<T>, head: ReadonlySet<string>, features: T): T {
  const out = def.graph<T | Skipped>(new SplitOps(inner, head, 'head', features), new Skipped());
  if (out instanceof Skipped) throw new FaceKitError('E_CONFIG', `${def.name}: no op uses the trainable layers`);
  return out;
}
