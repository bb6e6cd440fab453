// The demo's "Analyse" section: one photo → every face's age, gender and dominant emotion drawn on it, and the full
// result (distributions included) as JSON. Same analyze() as @facekit/node, on this page's backend.
import { analyze, type FaceAnalysis } from '@facekit/web';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Draws the photo with a box and a two-line label per face. */
async function drawAnalysis(canvas: HTMLCanvasElement, image: Blob, faces: FaceAnalysis[]): Promise<void> {
  const bitmap = await createImageBitmap(image);
  const scale = Math.min(1, 640 / bitmap.width);
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  ctx.font = '13px system-ui, sans-serif';
  for (const f of faces) {
    const { x, y, width, height } = f.face.box;
    ctx.strokeStyle = '#22c55e';
    ctx.lineWidth = 2;
    ctx.strokeRect(x * scale, y * scale, width * scale, height * scale);
    const lines = [
      `${Math.round(f.age ?? 0)} y, ${f.gender?.label} ${Math.round(100 * (f.gender?.score ?? 0))}%`,
      `${f.emotion?.dominant} ${Math.round(100 * (f.emotion ? f.emotion.scores[f.emotion.dominant] : 0))}%`,
    ];
    const top = Math.max(0, y * scale - 34);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.fillRect(x * scale, top, Math.max(...lines.map((l) => ctx.measureText(l).width)) + 8, 32);
    ctx.fillStyle = '#fff';
    lines.forEach((l, i) => {
      ctx.fillText(l, x * scale + 4, top + 13 + 15 * i);
    });
  }
}

/** Analyses every face of a photo (the UI and the browser tests both go through here). */
export function runAnalyze(image: Blob): Promise<FaceAnalysis[]> {
  return analyze(image, { all: true, actions: ['age', 'gender', 'emotion'] });
}

/** Wires the section's file input. */
export function setUpAnalyzeDemo(): void {
  $<HTMLInputElement>('analyze-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    $('analyze-result').textContent = 'analysing…';
    try {
      const faces = await runAnalyze(file);
      await drawAnalysis($<HTMLCanvasElement>('analyze-canvas'), file, faces);
      $('analyze-result').textContent = JSON.stringify(
        faces.map(({ face, ageDistribution, ...rest }) => ({ box: face.box, ...rest })),
        null,
        1,
      );
    } catch (err) {
      $('analyze-result').textContent = String((err as Error).message ?? err);
    }
  });
}
