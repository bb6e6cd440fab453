import { PIPELINE_OPTIONS, PLATFORM_OPTIONS, perCallKeys, resolveModelOptions } from '@facekit/core';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import '../src/register-models.js'; // the registry that model names are checked against
import { modelFlags, pipelineFlags, toOptions } from '../src/commands/shared.js';
import { modelOptions, NODE_OPTIONS, validateOptions } from '../src/options.js';
import { expectCode } from './helpers.js';

const flagged = Object.entries(NODE_OPTIONS).filter(([, spec]) => 'cli' in spec && spec.cli);

describe('one schema defines every option', () => {
  it('the CLI flags are the schema: every flag of every option appears in verify’s flags, and none other', () => {
    const cmd = modelFlags(new Command('verify'), true);
    const flags = cmd.options.map((o) => o.flags).filter((f) => f !== '--json');
    expect(flags.sort()).toEqual(flagged.map(([, spec]) => (spec as { cli: { flag: string } }).cli.flag).sort());
    // Commands that do not compare take no --metric / --threshold; the gallery commands only the pipeline's.
    expect(modelFlags(new Command('represent'), false).options.map((o) => o.long)).not.toContain('--threshold');
    expect(pipelineFlags(new Command('enroll')).options.map((o) => o.long)).not.toContain('--pick');
  });

  it('parsed flags become the options the API takes (numbers parsed, --no- flags false only when given)', async () => {
    const cmd = modelFlags(new Command('verify'), true).exitOverride();
    cmd.parse(
      [
        '--embedder',
        'facenet',
        '--weights',
        '/w.h5',
        '--min-face-score',
        '0.7',
        '--threshold',
        '0.4',
        '--max-pixels',
        '1000',
        '--no-flip',
        '--pick',
        'central',
        '--backend',
        'cpu',
        '--no-enforce-detection',
      ],
      { from: 'user' },
    );
    const o = toOptions(cmd.opts());
    expect(o).toEqual({
      embedder: 'facenet',
      weightsPath: '/w.h5',
      minFaceScore: 0.7,
      threshold: 0.4,
      maxPixels: 1000,
      flip: false,
      pick: 'central',
      backend: 'cpu',
      enforceDetection: false,
    });
    expect(() => validateOptions(o)).not.toThrow();
    const plain = modelFlags(new Command('verify'), true).exitOverride();
    plain.parse([], { from: 'user' });
    expect(toOptions(plain.opts())).toEqual({});
    await expectCode(() => toOptions({ threshold: 'near' }), 'E_CONFIG');
  });

  it('defaults, per-call keys and the cache key come from the same entries', () => {
    expect(resolveModelOptions({})).toEqual({
      embedder: PIPELINE_OPTIONS.embedder.default,
      detector: 'blazeface',
      landmarker: 'facemesh',
      align: '2d',
      minFaceScore: 0.5,
      pick: 'largest',
      flip: true,
      quickLook: true,
    });
    expect(perCallKeys(PLATFORM_OPTIONS).sort()).toEqual(
      ['all', 'backend', 'enforceDetection', 'maxPixels', 'metric', 'signal', 'threshold'].sort(),
    );
    // Node's own model-deciding option joins the cache key; per-call ones never do.
    expect(modelOptions({ weightsPath: '/w.h5', threshold: 0.3, signal: new AbortController().signal })).toEqual({
      ...resolveModelOptions({}),
      weightsPath: '/w.h5',
    });
  });

  it('every option is checked by its own entry: unknown keys and wrong values fail before any work', async () => {
    await expectCode(() => validateOptions({ treshold: 0.4 }), 'E_CONFIG');
    await expectCode(() => validateOptions({ pick: 'nearest' }), 'E_CONFIG');
    await expectCode(() => validateOptions({ weightsPath: '' }), 'E_CONFIG');
    await expectCode(() => validateOptions({ backend: 'webgl' }), 'E_CONFIG');
    await expectCode(() => validateOptions({ embedder: 'nope' }), 'E_UNKNOWN_MODEL');
    await expectCode(() => validateOptions({ landmarker: 'nope' }), 'E_UNKNOWN_MODEL');
    expect(() => validateOptions({ landmarker: 'none', all: true, quickLook: false })).not.toThrow();
    await expectCode(() => validateOptions([]), 'E_INPUT');
  });
});
