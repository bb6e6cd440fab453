import { FaceKitError, graphModelHandler, isFaceKitError, type ModelContext } from '@facekit/core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';

interface TopologyNode {
  name: string;
  op: string;
  attr?: { shape?: { shape?: { dim?: Array<{ size?: string }> } } };
}

/** Options of loadBundledGraph. */
export interface BundledGraphOptions {
  /**
   * Let the model run on other input sizes than the one it was converted for (fully convolutional models): the input
   * placeholder's height and width become free after the declared shape has been checked.
   */
  anySize?: boolean;
  /** Graph nodes the caller will execute by name; a model without one of them is E_WEIGHTS_FORMAT at load. */
  nodes?: readonly string[];
}

/** The declared input dims of the graph's first placeholder (what becomes `model.inputs[0].shape`), if any. */
function placeholderDims(nodes: TopologyNode[]): Array<{ size?: string }> | undefined {
  return nodes.find((n) => n.op === 'Placeholder')?.attr?.shape?.shape?.dim;
}

/**
 * Loads a bundled graph model through the platform's file loader and checks its input shape, so that a wrong or
 * damaged file fails here with E_WEIGHTS_FORMAT rather than later with a shape error.
 */
export async function loadBundledGraph(
  ctx: ModelContext,
  modelJson: string,
  inputShape: [number, number, number],
  options: BundledGraphOptions = {},
): Promise<GraphModel> {
  const wrong = (what: string) => new FaceKitError('E_WEIGHTS_FORMAT', `${modelJson}: ${what}`);
  const base = graphModelHandler(ctx.files, modelJson);
  const handler = {
    load: async () => {
      if (!base.load) throw wrong('no loader');
      const artifacts = await base.load();
      const nodes = ((artifacts.modelTopology as { node?: TopologyNode[] }).node ?? []) as TopologyNode[];
      const names = new Set(nodes.map((n) => n.name));
      const missing = options.nodes?.find((n) => !names.has(n));
      if (missing) throw wrong(`no graph node '${missing}'`);
      // The input shape is checked on the declared placeholder, before the graph is built (and before anySize frees it).
      const dims = placeholderDims(nodes);
      const declared = dims?.map((d) => Number(d.size ?? -1)) ?? [];
      if (declared.length !== 4 || declared.slice(1).some((d, i) => d !== inputShape[i])) {
        throw wrong(`expected input [batch, ${inputShape.join(', ')}], got [${declared.join(', ')}]`);
      }
      if (options.anySize) for (const i of [1, 2]) dims![i].size = '-1';
      return artifacts;
    },
  };
  try {
    return await loadGraphModel(handler);
  } catch (cause) {
    if (isFaceKitError(cause)) throw cause;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${modelJson} could not be loaded as a graph model`, { cause });
  }
}
