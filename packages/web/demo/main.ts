// The demo page: two photos → verdict, distance, boxes and landmarks; a webcam mode verifying against an enrolled
// face. `window.facekitDemo` exposes the same calls to the browser tests and the docs' console examples.
import * as facekit from '@facekit/web';
import * as advanced from '@facekit/web/advanced';
import { runAnalyze, setUpAnalyzeDemo } from './analyze-demo.js';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendPreference, compareEmbeddings, type Embedding, type Face, type WebPipeline } from '@facekit/web';

// Files are served next to the page (see build.mjs): no CDN at run time.
facekit.env.modelsBaseUrl = './models/';
facekit.env.wasmPaths = './wasm/';
const params = new URLSearchParams(location.search);
// ?threads=N: wasm worker threads when cross-origin isolated (tfjs' default is half the cores).
if (params.has('threads')) facekit.env.wasmThreads = Number(params.get('threads'));

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const picks: Array<Blob | undefined> = [undefined, undefined];

async function backendLine(): Promise<string> {
  const i = await facekit.backendInfo();
  if (i.name !== 'wasm') return i.name;
  return (
    `wasm, SIMD ${i.simd ? 'on' : 'off'}, ${i.threads} thread${i.threads === 1 ? '' : 's'}` +
    (i.crossOriginIsolated ? ' (cross-origin isolated)' : ' (not isolated: single thread)')
  );
}

async function useBackend(name: BackendPreference): Promise<void> {
  $('status').textContent = `starting ${name}…`;
  await facekit.ensureBackend(name);
  $('backend-info').textContent = await backendLine();
  $('status').textContent = 'ready';
}

/** Draws an image fitted into a canvas, with boxes and landmarks of the faces scaled alike. */
async function draw(canvas: HTMLCanvasElement, image: Blob, faces: Face[], chosen?: Face): Promise<void> {
  const bitmap = await createImageBitmap(image);
  const scale = Math.min(1, 640 / bitmap.width);
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  overlay(ctx, faces, scale, chosen);
}

function overlay(ctx: CanvasRenderingContext2D, faces: Face[], scale: number, chosen?: Face, color?: string): void {
  for (const f of faces) {
    const isChosen = chosen ? Math.abs(f.box.x - chosen.box.x) < 1 && Math.abs(f.box.y - chosen.box.y) < 1 : false;
    ctx.strokeStyle = color ?? (isChosen ? '#22c55e' : '#f59e0b');
    ctx.lineWidth = 2;
    ctx.strokeRect(f.box.x * scale, f.box.y * scale, f.box.width * scale, f.box.height * scale);
    ctx.fillStyle = '#38bdf8';
    for (const [x, y] of f.landmarks ?? f.five ?? []) ctx.fillRect(x * scale - 1, y * scale - 1, 2, 2);
  }
}

/** Verifies two images (backend: default the active one); the UI and the tests both go through here. */
function run(a: Blob, b: Blob, backend?: BackendPreference) {
  return facekit.verify(a, b, { backend });
}

async function onVerify(): Promise<void> {
  const [a, b] = picks;
  if (!a || !b) return;
  const backend = $<HTMLSelectElement>('backend').value as BackendPreference;
  $('status').textContent = 'verifying…';
  $('verdict').textContent = '';
  try {
    const r = await run(a, b, backend);
    const [fa, fb] = await Promise.all([facekit.detect(a, { backend }), facekit.detect(b, { backend })]);
    await draw($('canvas1'), a, fa, fa.find((f) => f.box.x === r.faces.img1.box.x) ?? fa[0]);
    await draw($('canvas2'), b, fb, fb.find((f) => f.box.x === r.faces.img2.box.x) ?? fb[0]);
    $('verdict').textContent =
      `${r.verified ? 'Same person' : 'Different people'} — distance ${r.distance.toFixed(4)} (threshold ${r.threshold})`;
    $('verdict').className = r.verified ? 'same' : 'different';
    $('result').textContent = JSON.stringify(r, null, 2);
    $('result').dataset.json = JSON.stringify(r);
    $('status').textContent = `done in ${r.timeMs.toFixed(0)} ms`;
  } catch (e) {
    const err = e as facekit.FaceKitError;
    $('verdict').textContent = `${err.code ?? 'error'}: ${err.message}`;
    $('verdict').className = 'different';
    $('status').textContent = 'failed';
  }
}

async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.blob();
}

async function choose(i: 0 | 1, blob: Blob): Promise<void> {
  picks[i] = blob;
  await draw($(i === 0 ? 'canvas1' : 'canvas2'), blob, []);
  ($('verify') as HTMLButtonElement).disabled = !(picks[0] && picks[1]);
}

// Webcam: enroll once, then represent() every frame and compare with the enrolled embedding.
let live: { pipeline: WebPipeline; enrolled?: Embedding; stop: boolean } | undefined;

async function startWebcam(): Promise<void> {
  const video = $<HTMLVideoElement>('video');
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  await video.play();
  const backend = $<HTMLSelectElement>('backend').value as BackendPreference;
  live = { pipeline: await facekit.createPipeline({ backend }), stop: false };
  ($('enroll') as HTMLButtonElement).disabled = false;
  const canvas = $<HTMLCanvasElement>('webcam');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d')!;
  while (live && !live.stop) {
    const t0 = performance.now();
    const reps = await live.pipeline.represent(video, { enforceDetection: false });
    ctx.drawImage(video, 0, 0);
    const me = reps[0];
    let text = me.summary.faceCount ? 'face found' : 'no face';
    if (me.summary.faceCount && live.enrolled) {
      const v = compareEmbeddings(live.enrolled, me.embedding, live.pipeline.embedder);
      text = `${v.verified ? 'match' : 'no match'} (distance ${v.distance.toFixed(3)})`;
      overlay(ctx, [me.face], 1, undefined, v.verified ? '#22c55e' : '#ef4444');
    } else if (me.summary.faceCount) overlay(ctx, [me.face], 1);
    $('live').textContent = `${text}, ${(performance.now() - t0).toFixed(0)} ms/frame`;
    await new Promise((r) => requestAnimationFrame(r));
  }
}

async function enroll(): Promise<void> {
  if (!live) return;
  const [me] = await live.pipeline.represent($<HTMLVideoElement>('video'));
  live.enrolled = me.embedding;
}

async function main(): Promise<void> {
  const backend = (params.get('backend') ?? 'wasm') as BackendPreference;
  $<HTMLSelectElement>('backend').value = backend;
  await useBackend(backend);
  $('backend').addEventListener('change', (e) =>
    useBackend((e.target as HTMLSelectElement).value as BackendPreference),
  );
  for (const i of [0, 1] as const) {
    $<HTMLInputElement>(`file${i + 1}`).addEventListener('change', (e) => {
      const f = (e.target as HTMLInputElement).files?.[0];
      if (f) void choose(i, f);
    });
  }
  $('verify').addEventListener('click', () => void onVerify());
  $('webcam-start').addEventListener('click', () =>
    startWebcam().catch((e) => {
      $('live').textContent = `camera: ${(e as Error).message}`;
    }),
  );
  $('enroll').addEventListener('click', () => void enroll());
  setUpAnalyzeDemo();
  // ?a=URL&b=URL preselects the pair (the tests use LFW images); else two bundled sample photos.
  const [a, b] = [params.get('a') ?? './samples/sample1.jpg', params.get('b') ?? './samples/sample2.jpg'];
  await Promise.all([choose(0, await fetchBlob(a)), choose(1, await fetchBlob(b))]);
  if (params.has('autorun')) await onVerify();
  document.body.dataset.ready = 'true';
}

declare global {
  interface Window {
    facekitDemo: {
      facekit: typeof facekit;
      /** The building blocks ('@facekit/web/advanced'): core's indexes, clustering, registry. */
      advanced: typeof advanced;
      run: typeof run;
      /** The Analyse section's call: every face's age, gender and emotion. */
      runAnalyze: typeof runAnalyze;
      fetchBlob: typeof fetchBlob;
      /** Live tensors (tf.memory().numTensors), for the leak test. */
      numTensors: () => number;
      ready: Promise<void>;
    };
  }
}
const ready = main().catch((e) => {
  $('status').textContent = `failed to start: ${(e as Error).message}`;
  document.body.dataset.ready = 'error';
  throw e;
});
window.facekitDemo = { facekit, advanced, run, runAnalyze, fetchBlob, numTensors: () => tf.memory().numTensors, ready };
