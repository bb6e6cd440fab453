// The library's messages speak of the API; the CLI adds its own hint, chosen by code and details, never by text.
import { FaceKitError } from '@facekit/core';
import '@facekit/facenet'; // registers the openface / facenet weights entries the hint looks up
import { describe, expect, it } from 'vitest';
import { cliHint } from '../src/cli-format.js';

describe('cliHint', () => {
  it('maps codes and details to the CLI flag or command, whatever the message says', () => {
    expect(cliHint(new FaceKitError('E_NO_FACE', 'anything'))).toBe(
      ' (CLI: --no-enforce-detection uses the whole image)',
    );
    const missing = new FaceKitError('E_WEIGHTS_MISSING', 'x', { details: { model: 'openface' } });
    expect(cliHint(missing)).toBe(' (CLI: run `facekit weights pull openface` (while online) or pass --weights PATH)');
    const download = new FaceKitError('E_DOWNLOAD', 'x', { details: { model: 'facenet', attempts: 3 } });
    expect(cliHint(download)).toContain('facekit weights pull facenet');
    // Not catalogued: nothing to pull, only the flag.
    const unknown = new FaceKitError('E_WEIGHTS_MISSING', 'x', { details: { model: 'mystery' } });
    expect(cliHint(unknown)).toBe(' (CLI: pass --weights PATH)');
    expect(cliHint(new FaceKitError('E_WEIGHTS_MISSING', 'no details'))).toBe('');
    expect(cliHint(new FaceKitError('E_CONFIG', 'enforceDetection: false'))).toBe('');
    expect(cliHint(new Error('E_NO_FACE'))).toBe('');
  });
});
