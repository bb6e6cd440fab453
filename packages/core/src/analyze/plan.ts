import { FaceKitError } from '../errors.js';
import { models } from '../registry.js';
import { ANALYSIS_ACTIONS, type AnalysisAction, type AnalyzeOptions } from './types.js';

/**
 * The analyser each action uses when none is named. Age and gender: chosen by measurement on LFW View 1 DevTrain
 * people only (see docs/benchmarks.md, "Face analysis"); the other actions have one model each.
 *
 * @example
 * DEFAULT_ANALYZERS.emotion; // 'emotion'
 */
export const DEFAULT_ANALYZERS: Readonly<Record<AnalysisAction, string>> = {
  age: 'faceres-age-gender',
  gender: 'faceres-age-gender',
  emotion: 'emotion',
  race: 'gear',
  spoof: 'antispoof',
  liveness: 'liveness',
};

/**
 * The actions analysed when none are asked for (deepface's default minus race, which is asked for explicitly).
 *
 * @example
 * const r = await analyze('a.jpg'); // r[0].age, r[0].gender, r[0].emotion
 */
export const DEFAULT_ACTIONS: readonly AnalysisAction[] = ['age', 'gender', 'emotion'];

/**
 * Which analyser answers which actions: the resolved, checked form of AnalyzeOptions.
 *
 * @example
 * const plan: AnalysisPlan = resolveAnalysisPlan({ actions: ['age', 'race'] });
 * plan.byAnalyzer.get('gear'); // ['race']
 */
export interface AnalysisPlan {
  actions: AnalysisAction[];
  byAction: Partial<Record<AnalysisAction, string>>;
  /** Analyser name → the actions it answers (one run of each analyser per image). */
  byAnalyzer: Map<string, AnalysisAction[]>;
}

/**
 * Parses an action name (CLI and option values), E_CONFIG for an unknown one.
 *
 * @example
 * parseAction('emotion'); // 'emotion'
 */
export function parseAction(name: unknown): AnalysisAction {
  if (typeof name === 'string' && (ANALYSIS_ACTIONS as readonly string[]).includes(name)) return name as AnalysisAction;
  throw new FaceKitError('E_CONFIG', `unknown action '${String(name)}' (known: ${ANALYSIS_ACTIONS.join(', ')})`);
}

/**
 * Checks AnalyzeOptions and resolves them: every action known, every analyser registered and able to answer the
 * action it is named for.
 *
 * @example
 * resolveAnalysisPlan({ actions: ['age'], analyzers: { age: 'gear' } }).byAction.age; // 'gear'
 */
export function resolveAnalysisPlan(options: AnalyzeOptions = {}): AnalysisPlan {
  const { actions: asked, analyzers = {}, all } = options;
  if (asked !== undefined && (!Array.isArray(asked) || asked.length === 0)) {
    throw new FaceKitError('E_CONFIG', 'actions must be a non-empty array of action names');
  }
  if (all !== undefined && typeof all !== 'boolean') {
    throw new FaceKitError('E_CONFIG', `option 'all' must be true or false, got ${String(all)}`);
  }
  if (analyzers === null || typeof analyzers !== 'object' || Array.isArray(analyzers)) {
    throw new FaceKitError('E_CONFIG', 'analyzers must be an object of action → analyser name');
  }
  for (const key of Object.keys(analyzers)) parseAction(key);
  const actions = [...new Set((asked ?? DEFAULT_ACTIONS).map(parseAction))];
  const byAction: Partial<Record<AnalysisAction, string>> = {};
  const byAnalyzer = new Map<string, AnalysisAction[]>();
  for (const action of actions) {
    const name = analyzers[action] ?? DEFAULT_ANALYZERS[action];
    const spec = models.analyzers.get(name);
    if (!spec.actions.includes(action)) {
      throw new FaceKitError(
        'E_CONFIG',
        `analyser '${name}' does not provide '${action}' (it provides: ${spec.actions.join(', ')})`,
      );
    }
    byAction[action] = name;
    byAnalyzer.set(name, [...(byAnalyzer.get(name) ?? []), action]);
  }
  return { actions, byAction, byAnalyzer };
}
