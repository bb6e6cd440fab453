import { throwIfAborted } from '../errors.js';
import type { PlatformApi, PlatformOptions } from '../platform-api.js';
import { type AnalysisPlan, resolveAnalysisPlan } from './plan.js';
import { AnalysisStage } from './stage.js';
import type { AnalyzeOptions, FaceAnalysis } from './types.js';

/** One analyse stage per platform API, beside its cached pipelines. */
const stages = new WeakMap<object, AnalysisStage>();

function stageOf<Input, O extends PlatformOptions>(api: PlatformApi<Input, O>): AnalysisStage {
  let stage = stages.get(api);
  if (!stage) {
    // Analysers use bundled files only, so the context of the default options serves every call.
    stage = new AnalysisStage(api.binding.modelContext({} as O));
    stages.set(api, stage);
  }
  return stage;
}

/** Splits the analysis options off the pipeline's and checks both before any decoding or loading. */
function split<O extends PlatformOptions>(options: (O & AnalyzeOptions) | undefined): { o: O; plan: AnalysisPlan } {
  const { actions, analyzers, ...rest } = (options ?? {}) as O & AnalyzeOptions;
  const plan = resolveAnalysisPlan({ actions, analyzers, all: rest.all as boolean | undefined });
  return { o: rest as unknown as O, plan };
}

/**
 * `analyze()` of a platform API: decodes the image, detects with the shared pipeline of these options (the chosen
 * face as verify picks it, or every face with `all`), then runs the plan's analysers on all faces in one batch.
 *
 * @example
 * const faces = await analyzeOnPlatform(nodeApi, 'a.jpg', { actions: ['age', 'gender', 'emotion'] });
 */
export async function analyzeOnPlatform<Input, O extends PlatformOptions>(
  api: PlatformApi<Input, O>,
  image: Input,
  options?: O & AnalyzeOptions,
): Promise<FaceAnalysis[]> {
  const { o, plan } = split(options);
  api.validateOptions(o);
  throwIfAborted(o.signal);
  await api.binding.ensureBackend(o.backend);
  const all = (o as { all?: boolean }).all;
  return api.binding.withImages([image], o, async ([t]) => {
    const [pipeline] = await Promise.all([api.cachedPipeline(o), stageOf(api).load(plan)]);
    const faces = await pipeline.chosenFacesTensor(t, o, all);
    return stageOf(api).analyze(t, faces, plan, o.signal);
  });
}

/**
 * Frees the analysers a platform API loaded (its pipelines are freed by `disposeAll`).
 *
 * @example
 * await disposeAnalyzers(nodeApi);
 */
export async function disposeAnalyzers<Input, O extends PlatformOptions>(api: PlatformApi<Input, O>): Promise<void> {
  const stage = stages.get(api);
  stages.delete(api);
  await stage?.dispose();
}
