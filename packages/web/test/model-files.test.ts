// The browser's model-file loader and option checks, run in Node with a fake fetch (no browser needed).
import { describe, expect, it } from 'vitest';
import '../src/index.js'; // registers the bundled models, which validateOptions looks up
import { resolveBaseUrl } from '../src/env.js';
import { validateOptions } from '../src/options.js';
import { urlFileLoader } from '../src/remote-model-files.js';
import { codeOf } from '../../../test/utils.js';

function fakeFetch(files: Record<string, Uint8Array>, seen: string[] = []): typeof fetch {
  return (async (url: string) => {
    seen.push(String(url));
    const body = files[String(url)];
    return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response('nope', { status: 404 });
  }) as typeof fetch;
}

describe('urlFileLoader', () => {
  it('fetches below the base URL', async () => {
    const seen: string[] = [];
    const load = urlFileLoader('https://app.test/m/', {
      fetch: fakeFetch({ 'https://app.test/m/a/b.bin': new Uint8Array([1, 2]) }, seen),
    });
    expect([...(await load('a/b.bin'))]).toEqual([1, 2]);
    expect(seen).toEqual(['https://app.test/m/a/b.bin']);
  });

  it('404 is E_WEIGHTS_MISSING, other HTTP errors and network failures E_IO', async () => {
    const load = urlFileLoader('https://app.test/m/', { fetch: fakeFetch({}) });
    expect(await codeOf(load('x.json'))).toBe('E_WEIGHTS_MISSING');
    const broken = urlFileLoader('https://app.test/m/', {
      fetch: (async () => new Response('', { status: 500 })) as unknown as typeof fetch,
    });
    expect(await codeOf(broken('x.json'))).toBe('E_IO');
    const offline = urlFileLoader('https://app.test/m/', {
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    expect(await codeOf(offline('x.json'))).toBe('E_IO');
  });

  it('a manifest cannot make it fetch outside the base URL', async () => {
    const seen: string[] = [];
    const load = urlFileLoader('https://app.test/m/', { fetch: fakeFetch({}, seen) });
    for (const bad of ['../secret', '/abs.bin', 'https://evil.test/x', 'a\\b', 'a//b']) {
      expect(await codeOf(load(bad))).toBe('E_WEIGHTS_FORMAT');
    }
    expect(seen).toEqual([]);
  });
});

describe('configuration', () => {
  it('base URLs get a trailing slash; empty is E_CONFIG', () => {
    expect(resolveBaseUrl('https://cdn.test/models', 'modelsBaseUrl')).toBe('https://cdn.test/models/');
    expect(() => resolveBaseUrl('', 'modelsBaseUrl')).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });

  it('options are checked before any work: unknown keys, backends, models', () => {
    const code = (o: unknown) => codeOf(() => validateOptions(o));
    expect(code({ backend: 'webgl', embedder: 'faceres', maxPixels: 1e6 })).toBeUndefined();
    expect(code({ backend: 'tensorflow' })).toBe('E_CONFIG');
    expect(code({ weightsPath: '/x.h5' })).toBe('E_CONFIG');
    expect(code({ embedder: 'nope' })).toBe('E_UNKNOWN_MODEL');
    expect(code({ modelsBaseUrl: '' })).toBe('E_CONFIG');
    expect(code(null)).toBe('E_INPUT');
  });
});
