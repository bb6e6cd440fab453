// A worker thread of `ivfKnnParallel`: fills the kNN-graph rows of the cells it claims from a shared counter. Every
// array lives in shared memory, and each cell's rows are written by one worker only, so no locks are needed.
import { parentPort, workerData } from 'node:worker_threads';
import { type IvfPartition, ivfKnnCells, type KnnGraph, type PackedVectors } from '@facekit/core';

/**
 * What the parent shares with each worker: the packed points, the partition and the graph (all on
 * SharedArrayBuffers), and a control array [next cell, stop flag].
 */
export interface KnnWorkerData {
  points: PackedVectors;
  ivf: IvfPartition;
  graph: KnnGraph;
  control: Int32Array;
  /** Cells claimed at a time. */
  step: number;
}

/** Claims cells until none is left (or the parent asks to stop), reporting the items filled after each claim. */
export function fillClaimedCells(d: KnnWorkerData, report: (items: number) => void): void {
  const { ivf, control, step } = d;
  for (;;) {
    if (Atomics.load(control, 1) !== 0) return;
    const from = Atomics.add(control, 0, step);
    if (from >= ivf.cells) return;
    const to = Math.min(ivf.cells, from + step);
    ivfKnnCells(d.points, ivf, d.graph, from, to);
    report(ivf.offsets[to] - ivf.offsets[from]);
  }
}

if (parentPort && workerData) {
  const port = parentPort;
  fillClaimedCells(workerData as KnnWorkerData, (items) => port.postMessage(items));
  port.postMessage('done');
}
