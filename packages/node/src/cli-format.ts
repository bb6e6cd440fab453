import { type Box, type FaceSummary, findWeightsEntry, isFaceKitError, type Representation } from '@facekit/core';
import type { NodeVerifyResult } from './pipeline.js';

/**
 * The CLI's own hint for a library error, from its code and details (never its message): the command or flag that
 * does what the library's message says in API terms (`enforceDetection: false` → `--no-enforce-detection`, the
 * store's `pull` → `facekit weights pull NAME`, `weightsPath` → `--weights PATH`). Empty when there is none.
 *
 * @example
 * io.stderr(`${errorLine(e)}${cliHint(e)}\n`); // … (CLI: --no-enforce-detection uses the whole image)
 */
export function cliHint(e: unknown): string {
  if (!isFaceKitError(e)) return '';
  if (e.code === 'E_NO_FACE') return ' (CLI: --no-enforce-detection uses the whole image)';
  const model = e.details?.model;
  if ((e.code === 'E_WEIGHTS_MISSING' || e.code === 'E_DOWNLOAD') && typeof model === 'string') {
    const pull = findWeightsEntry(model) ? `run \`facekit weights pull ${model}\` (while online) or ` : '';
    return ` (CLI: ${pull}pass --weights PATH)`;
  }
  if (e.code === 'E_WEIGHTS_INTEGRITY' && typeof model === 'string') {
    return ` (CLI: run \`facekit weights pull ${model} --force\` or pass --weights PATH)`;
  }
  return '';
}

/** A box as the CLI prints it: [x, y, width, height], rounded to 0.1 px. */
export function boxArray(b: Box): [number, number, number, number] {
  const r = (v: number) => Math.round(v * 10) / 10;
  return [r(b.x), r(b.y), r(b.width), r(b.height)];
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export interface FaceJson {
  box: [number, number, number, number];
  score: number;
  faceCount: number;
  chosen: FaceSummary['chosen'];
}

function faceJson(s: FaceSummary): FaceJson {
  return { box: boxArray(s.box), score: round(s.score, 4), faceCount: s.faceCount, chosen: s.chosen };
}

/** The one JSON object `facekit verify --json` prints. */
export function verifyJson(r: NodeVerifyResult, landmarker: string) {
  return {
    verified: r.verified,
    distance: r.distance,
    threshold: r.threshold,
    metric: r.metric,
    confidence: r.confidence,
    embedder: r.embedder,
    detector: r.detector,
    landmarker,
    aligner: r.aligner,
    faces: { img1: faceJson(r.faces.img1), img2: faceJson(r.faces.img2) },
    timeMs: round(r.timeMs, 1),
    backend: r.backend,
  };
}

function describeFace(label: string, s: FaceSummary): string {
  const where = `at [${boxArray(s.box).join(', ')}]`;
  if (s.chosen === 'fallback') return `${label}: no face found, used the whole image`;
  if (s.chosen === 'all') return `${label} of ${s.faceCount} ${where} (score ${s.score.toFixed(2)})`;
  if (s.faceCount > 1) return `${label}: ${s.faceCount} faces, used the largest ${where} (score ${s.score.toFixed(2)})`;
  return `${label}: face ${where} (score ${s.score.toFixed(2)})`;
}

/** The short human-readable summary of `facekit verify`. */
export function verifyText(r: NodeVerifyResult): string {
  const verdict = r.verified ? 'SAME PERSON' : 'DIFFERENT PEOPLE';
  const cmp = r.verified ? '≤' : '>';
  return [
    `${verdict}: distance ${r.distance.toFixed(4)} ${cmp} threshold ${r.threshold.toFixed(4)} (${r.metric}), ` +
      `confidence ${(r.confidence * 100).toFixed(1)}%`,
    describeFace('img1', r.faces.img1),
    describeFace('img2', r.faces.img2),
    `${r.embedder} · ${r.detector} · align ${r.aligner} · backend ${r.backend} · ${Math.round(r.timeMs)} ms`,
  ].join('\n');
}

/** The JSON of `facekit represent --json`: one entry per embedded face. */
export function representJson(reps: Representation[], backend: string, timeMs: number) {
  return {
    embedder: reps[0]?.embedding.embedder,
    dim: reps[0]?.embedding.vector.length,
    backend,
    timeMs: round(timeMs, 1),
    faces: reps.map((r) => ({ ...faceJson(r.summary), embedding: Array.from(r.embedding.vector) })),
  };
}

/** The human summary of `facekit represent`: each face and the first values of its embedding. */
export function representText(reps: Representation[], backend: string, timeMs: number): string {
  const lines = reps.map((r, i) => {
    const head = describeFace(`face ${i + 1}`, r.summary);
    const v = Array.from(r.embedding.vector.slice(0, 6), (x) => x.toFixed(4)).join(', ');
    return `${head}\n  [${v}, …] (${r.embedding.vector.length} values)`;
  });
  const e = reps[0]?.embedding.embedder ?? '?';
  return [...lines, `${e} · backend ${backend} · ${Math.round(timeMs)} ms`].join('\n');
}
