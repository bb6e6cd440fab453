// Worker-thread entry for `facekit bench analyze`: one detection per image (the central face, as LFW is framed),
// then every age / gender / emotion analyser on it, so models are compared on identical faces.
import '../register-models.js';
import { AnalysisStage, type FaceAnalysis, resolveAnalysisPlan } from '@facekit/core';
import { toImageTensor } from '../decode.js';
import { nodeModelContext } from '../model-context.js';
import { type NodePipeline, nodePlatform } from '../pipeline.js';

/** The plans compared: each age and gender model once, and the emotion model. */
export const QUALITY_PLANS = [
  { age: 'faceres-age-gender', gender: 'faceres-age-gender', emotion: 'emotion' },
  { age: 'gear', gender: 'gear', race: 'gear' },
  { age: 'ssrnet-age', gender: 'oarriaga-gender' },
] as const;

/** One image's predictions per analyser: age years, P(male), emotion and race labels. */
export interface QualityRow {
  file: string;
  detected: boolean;
  age: Record<string, number>;
  male: Record<string, number>;
  emotion?: string;
  race?: string;
}

let state: Promise<{ pipeline: NodePipeline; stage: AnalysisStage }> | undefined;

export default async function qualityTask(task: { paths: string[] }): Promise<QualityRow[]> {
  state ??= (async () => ({
    pipeline: await nodePlatform.createPipeline({ pick: 'central', backend: 'wasm' }),
    stage: new AnalysisStage(nodeModelContext()),
  }))();
  const { pipeline, stage } = await state;
  const plans = QUALITY_PLANS.map((p) => resolveAnalysisPlan({ actions: Object.keys(p) as never, analyzers: p }));
  const rows: QualityRow[] = [];
  for (const file of task.paths) {
    const { tensor } = await toImageTensor(file);
    try {
      const faces = await pipeline.chosenFacesTensor(tensor, { enforceDetection: false });
      const row: QualityRow = { file, detected: faces[0].summary.chosen !== 'fallback', age: {}, male: {} };
      for (const plan of plans) {
        const [a]: FaceAnalysis[] = await stage.analyze(tensor, faces, plan);
        if (a.age !== undefined && a.analyzers.age) row.age[a.analyzers.age] = a.age;
        if (a.gender && a.analyzers.gender) row.male[a.analyzers.gender] = a.gender.scores.male;
        if (a.emotion) row.emotion = a.emotion.dominant;
        if (a.race) row.race = a.race.dominant;
      }
      rows.push(row);
    } finally {
      tensor.dispose();
    }
  }
  return rows;
}
