// Core's half of the weights store (issue 4): the catalogue, the resolution order over a platform, the messages,
// pins and the retry policy. The node half (fs cache, fetch) is tested against a loopback server in packages/node.
import { describe, expect, it } from 'vitest';
import {
  checkPin,
  FaceKitError,
  findWeightsEntry,
  isRetryableStatus,
  listWeightsEntries,
  loadModelContextWeights,
  type ModelContext,
  missingWeightsMessage,
  registerWeightsEntry,
  resolveWeightsBytes,
  retryDelayMs,
  weightsEntry,
  type WeightsPlatform,
} from '../src/index.js';
import { codeOf } from '../../../test/utils.js';

/** The error `p` rejects with (the test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<FaceKitError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FaceKitError);
  return e as FaceKitError;
}

function platform(o: Partial<WeightsPlatform> & { cache?: Map<string, Uint8Array> } = {}) {
  const cache = o.cache ?? new Map<string, Uint8Array>();
  const calls: string[] = [];
  const p: WeightsPlatform = {
    location: '/cache',
    offline: false,
    readPath: async (path) => {
      calls.push(`path ${path}`);
      return new Uint8Array([1]);
    },
    readCached: async (name) => {
      calls.push(`cached ${name}`);
      return cache.get(name);
    },
    download: async (entry) => {
      calls.push(`download ${entry.name}`);
      cache.set(entry.name, new Uint8Array([3]));
    },
    ...o,
  };
  return { p, calls, cache };
}

// Core holds no catalogue entry of its own (the embedder packages register theirs, tested there): these are the
// store's fixtures, shaped like @facekit/facenet's.
for (const name of ['facenet', 'facenet512', 'openface']) {
  registerWeightsEntry({
    name,
    embedder: name,
    description: `${name} (test entry)`,
    url: `https://weights.example/${name}_weights.h5`,
    file: `${name}_weights.h5`,
    format: 'keras-h5',
  });
}

describe('weights catalogue', () => {
  it('holds what was registered, in order; an unknown name is E_UNKNOWN_MODEL naming the known ones', () => {
    expect(listWeightsEntries().map((e) => e.name)).toEqual(['facenet', 'facenet512', 'openface']);
    expect(weightsEntry('facenet512').file).toBe('facenet512_weights.h5');
    expect(codeOf(() => weightsEntry('vgg'))).toBe('E_UNKNOWN_MODEL');
    expect(() => weightsEntry('vgg')).toThrow(/unknown weights 'vgg' \(known: facenet, facenet512, openface\)/);
  });

  it('entries can be pinned or re-pointed; bad names and pins are E_CONFIG', () => {
    const before = weightsEntry('openface');
    registerWeightsEntry({ ...before, sha256: 'a'.repeat(64) });
    expect(findWeightsEntry('openface')?.sha256).toBe('a'.repeat(64));
    registerWeightsEntry(before);
    expect(() => registerWeightsEntry({ ...before, sha256: 'XYZ' })).toThrow(FaceKitError);
    expect(() => registerWeightsEntry({ ...before, file: '../evil.h5' })).toThrow(/plain file names/);
    expect(() => registerWeightsEntry({ ...before, name: '../x' })).toThrow(/plain file names/);
  });
});

describe('resolution order', () => {
  it('explicit path → cache → download, each only when the one before has nothing', async () => {
    const { p, calls } = platform({ cache: new Map([['facenet', new Uint8Array([2])]]) });
    expect(Array.from(await resolveWeightsBytes(p, 'openface', { path: '/w.h5' }))).toEqual([1]);
    expect(Array.from(await resolveWeightsBytes(p, 'facenet'))).toEqual([2]);
    expect(Array.from(await resolveWeightsBytes(p, 'openface'))).toEqual([3]);
    expect(calls).toEqual(['path /w.h5', 'cached facenet', 'cached openface', 'download openface', 'cached openface']);
  });

  it('offline: E_WEIGHTS_MISSING with the ways out in API terms (store pull, env var, option); no download', async () => {
    const { p, calls } = platform({ offline: true });
    const e = await failure(resolveWeightsBytes(p, 'facenet512'));
    expect(e.code).toBe('E_WEIGHTS_MISSING');
    expect(e.details).toEqual({ model: 'facenet512' });
    expect(e.message).toBe(
      "weights 'facenet512' are not in the cache /cache and FACEKIT_OFFLINE=1 forbids downloading them: pull them " +
        "while online (the weights store's pull('facenet512'), see docs/weights.md), set FACEKIT_CACHE_DIR to a " +
        'folder holding facenet512_weights.h5, or pass the file as the weightsPath option',
    );
    // Core speaks of the API: no CLI command or flag (the CLI adds its own hint).
    expect(e.message).not.toMatch(/facekit |--/);
    expect(calls).toEqual(['cached facenet512']);
  });

  it('names outside the catalogue are never downloaded', async () => {
    const { p, calls } = platform();
    expect(await codeOf(resolveWeightsBytes(p, 'mystery'))).toBe('E_WEIGHTS_MISSING');
    expect(calls).toEqual(['cached mystery']);
    expect(missingWeightsMessage('mystery', '/c', 'unknown')).not.toContain('pull');
  });
});

describe('embedders through ModelContext', () => {
  const files = async () => new Uint8Array();
  it('the store gets weightsPath as its explicit path; readFile only without a store', async () => {
    const asked: unknown[] = [];
    const ctx: ModelContext = {
      files,
      weightsPath: '/w.h5',
      weights: async (name, o) => {
        asked.push([name, o]);
        return new Uint8Array([5]);
      },
      readFile: async () => new Uint8Array([6]),
    };
    expect(await loadModelContextWeights(ctx, 'openface', 'hint')).toEqual({
      bytes: new Uint8Array([5]),
      label: '/w.h5',
    });
    expect(asked).toEqual([['openface', { path: '/w.h5' }]]);
    const noStore = { files, weightsPath: '/w.h5', readFile: async () => new Uint8Array([6]) };
    expect((await loadModelContextWeights(noStore, 'openface', 'hint')).bytes).toEqual(new Uint8Array([6]));
  });

  it('nothing to load from: E_WEIGHTS_MISSING with weightsPath and the pull; store messages are kept', async () => {
    const e = await failure(loadModelContextWeights({ files }, 'facenet', "deepface's facenet_weights.h5"));
    expect(e.code).toBe('E_WEIGHTS_MISSING');
    expect(e.details).toEqual({ model: 'facenet' });
    expect(e.message).toMatch(/weightsPath option \(deepface's facenet_weights\.h5\).*pull\('facenet'\)/);
    const store = async () => {
      throw new FaceKitError('E_WEIGHTS_MISSING', 'not in the cache');
    };
    const e2 = await failure(loadModelContextWeights({ files, weights: store }, 'facenet', 'h'));
    expect(e2.message).toMatch(/^not in the cache; pass the file as the weightsPath option .*pull\('facenet'\)/);
    // The store's own error about these weights (details.model) already lists the ways out: kept as it is.
    const own = new FaceKitError('E_WEIGHTS_MISSING', 'the store says how', { details: { model: 'facenet' } });
    const e3 = await failure(
      loadModelContextWeights(
        {
          files,
          weights: async () => {
            throw own;
          },
        },
        'facenet',
        'h',
      ),
    );
    expect(e3).toBe(own);
    const other = async () => {
      throw new FaceKitError('E_DOWNLOAD', 'HTTP 404');
    };
    expect(await codeOf(loadModelContextWeights({ files, weights: other }, 'facenet', 'h'))).toBe('E_DOWNLOAD');
  });
});

describe('download policy', () => {
  it('retries 5xx, 408 and 429, not other 4xx', () => {
    expect([500, 502, 503, 408, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially with bounded jitter', () => {
    expect(retryDelayMs(1, { backoffMs: 100 }, () => 0.5)).toBe(100);
    expect(retryDelayMs(3, { backoffMs: 100 }, () => 0.5)).toBe(400);
    expect(retryDelayMs(2, { backoffMs: 100 }, () => 0)).toBe(150);
    expect(retryDelayMs(2, { backoffMs: 100 }, () => 1)).toBe(250);
  });

  it('pins: size and sha256 mismatches are E_WEIGHTS_INTEGRITY; no pin checks nothing', () => {
    const got = { size: 10, sha256: 'b'.repeat(64) };
    expect(() => checkPin('w', {}, got)).not.toThrow();
    expect(() => checkPin('w', { size: 10, sha256: 'B'.repeat(64) }, got)).not.toThrow();
    expect(() => checkPin('w', { size: 11 }, got)).toThrow(/10 bytes, expected 11/);
    expect(() => checkPin('w', { sha256: 'c'.repeat(64) }, got)).toThrow(
      expect.objectContaining({ code: 'E_WEIGHTS_INTEGRITY' }),
    );
  });
});
