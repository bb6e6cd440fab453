/**
 * Repairs a defect of the tfjs converter in graphs that spell PReLU as relu(x) + α·(x − |x|)/2 (MobileFaceNet_TF):
 * the converter fused the `Relu` into the preceding depthwise conv (`FusedDepthwiseConv2dNative`, BiasAdd+Relu) while
 * `Abs` and `Sub` still read that node, so they see relu(x) and the negative slope vanishes — every such PReLU
 * becomes a ReLU and the embeddings collapse onto nearly one direction. The repair drops Relu from the fused op and
 * puts it back as its own node feeding only the PReLU's `Add`.
 */

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { s?: string[] } } & Record<string, unknown>>;
}

const b64 = (s: string): string => btoa(s);
const unb64 = (s: string): string => atob(s);

/** The fused ops of a node, decoded ('BiasAdd', 'Relu', ...). */
function fusedOps(node: GraphNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map(unb64);
}

/**
 * Returns a copy of the topology with the PReLU fusions undone, and how many it repaired. A topology without the
 * pattern comes back unchanged (repaired = 0).
 *
 * @example
 * const { topology, repaired } = repairFusedPrelu(artifacts.modelTopology); // MobileFaceNet: repaired === 17
 */
export function repairFusedPrelu(modelTopology: unknown): { topology: unknown; repaired: number } {
  const topo = structuredClone(modelTopology) as { node?: GraphNode[] };
  const nodes = topo.node ?? [];
  const consumers = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const i of n.input ?? []) {
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
  }
  const added: GraphNode[] = [];
  for (const n of nodes) {
    if (n.op !== 'FusedDepthwiseConv2dNative' && n.op !== '_FusedConv2D') continue;
    const ops = fusedOps(n);
    if (ops.length !== 2 || ops[0] !== 'BiasAdd' || ops[1] !== 'Relu') continue;
    const users = consumers.get(n.name) ?? [];
    const abs = users.find((u) => u.op === 'Abs');
    const add = users.find((u) => u.op === 'Add' || u.op === 'AddV2');
    // Only the PReLU spelling: the fused output also feeds |x| and the final sum.
    if (!abs || !add) continue;
    n.attr!.fused_ops!.list!.s = [b64('BiasAdd')];
    const relu: GraphNode = { name: `${n.name}/facekit_relu`, op: 'Relu', input: [n.name], attr: { T: n.attr!.T } };
    added.push(relu);
    add.input = add.input!.map((i) => (i === n.name ? relu.name : i));
  }
  topo.node = [...nodes, ...added];
  return { topology: topo, repaired: added.length };
}
