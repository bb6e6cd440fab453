import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/utils.js';
import { parseDlibNet } from '../src/dlib-dat.js';
import { dlibResNetWeightsFromDat } from '../src/dlib-resnet.js';

// A writer for dlib's serialization (dlib/serialize.h), written from the format's rules, so the reader is tested on
// networks built here byte by byte and not only on the one bundled file.
class DlibWriter {
  private bytes: number[] = [];

  /** pack_int: control byte (byte count | 0x80 if negative), then the magnitude little-endian, at least one byte. */
  int(v: number): this {
    let m = Math.abs(v);
    const out: number[] = [];
    do {
      out.push(m % 256);
      m = Math.floor(m / 256);
    } while (m > 0);
    this.bytes.push(out.length | (v < 0 ? 0x80 : 0), ...out);
    return this;
  }

  /** float_details: an integer mantissa and a power-of-two exponent. */
  real(mantissa: number, exponent: number): this {
    return this.int(mantissa).int(exponent);
  }

  string(s: string): this {
    this.int(s.length);
    for (const c of s) this.bytes.push(c.charCodeAt(0));
    return this;
  }

  bools(s: string): this {
    for (const c of s) this.bytes.push(c.charCodeAt(0));
    return this;
  }

  tensor(shape: number[], values: number[] = []): this {
    this.int(2);
    for (const d of shape) this.int(d);
    const f = new Float32Array(values);
    this.bytes.push(...new Uint8Array(f.buffer));
    return this;
  }

  alias(shape: number[]): this {
    this.int(1);
    for (const d of shape) this.int(d);
    return this;
  }

  /** add_layer's state after a layer's details: three flags, three empty work tensors. */
  layerState(): this {
    this.bools('110');
    for (let i = 0; i < 3; i++) this.tensor([0, 0, 0, 0]);
    return this;
  }

  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }

  done(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

/**
 * A small net: loss_metric → fc(2 → 3, no bias) → tag → relu → con_(2 filters, 1 input channel, 1×2) → input 4×4.
 * Wrapper versions outermost first: fc 2, tag 1, relu 2, con (innermost, holds the input) 3.
 */
function smallNet(
  opts: { layerType?: string; tensorSize?: number; biasAlias?: number[]; trailing?: number[] } = {},
): Uint8Array {
  const w = new DlibWriter()
    .int(1)
    .string('loss_metric_2')
    .real(10737418, -28) // margin 0.04
    .real(10066330, -24) // distance threshold 0.6
    .int(2)
    .int(1)
    .int(2)
    .int(3)
    .string('input_rgb_image_sized')
    .real(245, -1) // 122.5
    .real(117, 0)
    .real(-3, -2) // −0.75
    .int(4)
    .int(4);
  // con_4: params = 2 filters × 1 channel × 1×2, then 2 biases.
  w.string(opts.layerType ?? 'con_4')
    .tensor([opts.tensorSize ?? 6, 1, 1, 1], [1, 2, 3, 4, 10, 20])
    .int(2)
    .int(1)
    .int(2)
    .int(1)
    .int(2)
    .int(0)
    .int(1)
    .alias([2, 1, 1, 2])
    .alias(opts.biasAlias ?? [1, 2, 1, 1])
    .real(1, 0)
    .real(1, 0)
    .real(1, 0)
    .real(0, 0)
    .layerState()
    .int(1); // sample_expansion_factor
  w.string('relu_').layerState();
  w.string('fc_2')
    .int(3)
    .int(2)
    .tensor([2, 3, 1, 1], [1, 2, 3, 4, 5, 6])
    .alias([2, 3, 1, 1])
    .alias([0, 0, 0, 0])
    .int(1)
    .real(1, 0)
    .real(1, 0)
    .real(1, 0)
    .real(0, 0)
    .layerState();
  if (opts.trailing) w.raw(...opts.trailing);
  return w.done();
}

describe('parseDlibNet', () => {
  it('reads a network written by the format rules: loss, input, layers from the input outwards, wrappers', () => {
    const net = parseDlibNet(smallNet());
    expect(net.loss.type).toBe('loss_metric_2');
    expect(net.loss.margin).toBeCloseTo(0.04, 7);
    expect(net.loss.distanceThreshold).toBeCloseTo(0.6, 7);
    expect(net.input).toEqual({ type: 'input_rgb_image_sized', meanRgb: [122.5, 117, -0.75], size: [4, 4] });
    expect(net.tagsAndSkips).toBe(1);
    expect(net.layers.map((l) => l.type)).toEqual(['con', 'relu', 'fc']);
    const [con, , fc] = net.layers;
    if (con.type !== 'con' || fc.type !== 'fc') throw new Error('unreachable');
    expect(con.filters).toBe(2);
    expect(con.inputChannels).toBe(1);
    expect(con.kernel).toEqual([1, 2]);
    expect(con.stride).toEqual([1, 2]);
    expect(con.padding).toEqual([0, 1]);
    expect([...con.weights]).toEqual([1, 2, 3, 4]);
    expect([...(con.bias ?? [])]).toEqual([10, 20]);
    expect(fc.inputs).toBe(2);
    expect(fc.outputs).toBe(3);
    expect([...fc.weights]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fc.bias).toBeUndefined();
  });

  it('reads multi-byte and negative integers and special reals', () => {
    const bytes = new DlibWriter()
      .int(1)
      .string('loss_metric_2')
      .real(-5, 300) // huge
      .real(0, 32000) // dlib's +inf marker
      .int(3)
      .string('input_rgb_image_sized')
      .real(1, 0)
      .real(1, 0)
      .real(1, 0)
      .int(70000)
      .int(1)
      .string('relu_')
      .layerState()
      .int(1)
      .done();
    const net = parseDlibNet(bytes);
    expect(net.loss.margin).toBe(-5 * 2 ** 300);
    expect(net.loss.distanceThreshold).toBe(Number.POSITIVE_INFINITY);
    expect(net.input.size).toEqual([70000, 1]);
    expect(net.layers).toEqual([{ type: 'relu' }]);
  });

  it('refuses unknown layers, truncation, oversized tensors, trailing bytes and bad control bytes (E_WEIGHTS_FORMAT)', () => {
    const good = smallNet();
    expect(codeOf(() => parseDlibNet(smallNet({ layerType: 'bn_con2' })))).toBe('E_WEIGHTS_FORMAT');
    expect(() => parseDlibNet(smallNet({ layerType: 'bn_con2' }))).toThrow(/unsupported layer type 'bn_con2'/);
    for (const cut of [1, 10, 60, good.length - 1]) {
      expect(
        codeOf(() => parseDlibNet(good.subarray(0, cut))),
        `cut at ${cut}`,
      ).toBe('E_WEIGHTS_FORMAT');
    }
    // A tensor that claims 2^40 floats fails on the size check, before any allocation.
    expect(() => parseDlibNet(smallNet({ tensorSize: 2 ** 40 }))).toThrow(/truncated: con_ params data/);
    expect(() => parseDlibNet(smallNet({ trailing: [0] }))).toThrow(/1 byte\(s\) after the last layer/);
    const badControl = good.slice();
    badControl[0] = 0x31;
    expect(() => parseDlibNet(badControl)).toThrow(/bad control byte 0x31/);
    // The params split must add up: 6 values, but an alias of 2 filters × 1×2 plus 3 biases is 7.
    expect(() => parseDlibNet(smallNet({ biasAlias: [1, 3, 1, 1] }))).toThrow(/3 biases for 2 filters/);
  });

  it("names the first difference when a valid dlib file is not dlib's face recognition ResNet", () => {
    expect(() => dlibResNetWeightsFromDat(smallNet(), 'small.dat')).toThrow(
      /small\.dat: not dlib's face recognition ResNet: input 4×4, expected 150×150/,
    );
  });
});
