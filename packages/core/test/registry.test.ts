// The model registry: one spec per name; a second spec under a taken name is refused unless replacing is asked for.
import { describe, expect, it } from 'vitest';
import { type DetectorSpec, FaceKitError, Registry } from '../src/index.js';
import { codeOf } from '../../../test/utils.js';

const spec = (description: string): DetectorSpec => ({
  name: 'boxes',
  description,
  create: async () => ({ name: 'boxes', detect: async () => [], dispose() {} }),
});

describe('Registry', () => {
  it('refuses another spec under a registered name, keeping the first (E_CONFIG naming the kind and name)', () => {
    const r = new Registry<DetectorSpec>('detector');
    const first = spec('first');
    r.register(first);
    let error: unknown;
    try {
      r.register(spec('second'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaceKitError);
    expect((error as FaceKitError).code).toBe('E_CONFIG');
    expect((error as FaceKitError).details).toEqual({ kind: 'detector', name: 'boxes' });
    expect(r.get('boxes')).toBe(first);
    expect(r.list()).toHaveLength(1);
  });

  it('replaces with { replace: true }; the same spec again is a no-op', () => {
    const r = new Registry<DetectorSpec>('detector');
    const first = spec('first');
    r.register(first);
    expect(codeOf(() => r.register(first))).toBeUndefined();
    const second = spec('second');
    r.register(second, { replace: true });
    expect(r.get('boxes')).toBe(second);
    expect(r.list()).toEqual([second]);
  });

  it('names the registered ones for an unknown name', () => {
    const r = new Registry<DetectorSpec>('detector');
    r.register(spec('first'));
    expect(codeOf(() => r.get('nope'))).toBe('E_UNKNOWN_MODEL');
    expect(() => r.get('nope')).toThrow(/known: boxes/);
  });
});
