import type { TfGraphModel, TfNode } from './load.js';
import { attrStrings } from './ops.js';

export interface RepairResult {
  model: TfGraphModel;
  /** Names of the convs whose fused Relu was split back out. */
  repaired: string[];
}

const CONV_OPS = new Set(['_FusedConv2D', 'FusedDepthwiseConv2dNative']);

/**
 * The tfjs converter fused a PReLU's Relu into the conv feeding it even though the conv's raw
 * output also feeds the PReLU's negative branch (x - |x|). With x already rectified that branch
 * is zero, so the PReLU acts as a plain Relu (mobilefacenet: 16 depthwise convs). This gives the
 * conv back its raw output, and the Relu back to the one consumer that is not the branch.
 */
export function repairFusedReluPrelu(model: TfGraphModel): RepairResult {
  const consumers = consumerMap(model.nodes);
  const repaired: string[] = [];
  const replaced = new Map<string, TfNode>();
  const added: TfNode[] = [];
  for (const n of model.nodes) {
    const fused = attrStrings(n, 'fused_ops');
    if (!CONV_OPS.has(n.op) || fused[fused.length - 1] !== 'Relu') continue;
    const users = consumers.get(n.name) ?? [];
    const branch = preluBranch(n.name, users);
    if (!branch) continue;
    const reluName = `${n.name}/repaired_relu`;
    added.push({ name: reluName, op: 'Relu', input: [n.name], attr: {} });
    replaced.set(n.name, withFusedOps(n, fused.slice(0, -1)));
    for (const user of users) {
      if (branch.has(user)) continue;
      const current = replaced.get(user.name) ?? user;
      replaced.set(user.name, { ...current, input: current.input.map((i) => (i === n.name ? reluName : i)) });
    }
    repaired.push(n.name);
  }
  const nodes = [...model.nodes.map((n) => replaced.get(n.name) ?? n), ...added];
  return { model: { ...model, nodes }, repaired };
}

/** Abs(x) and Sub(x, Abs(x)) reading `x`: the negative half of a decomposed PReLU. */
function preluBranch(x: string, users: TfNode[]): Set<TfNode> | undefined {
  const abs = users.find((u) => u.op === 'Abs' && u.input[0] === x);
  if (!abs) return undefined;
  const sub = users.find((u) => u.op === 'Sub' && u.input[0] === x && u.input[1] === abs.name);
  return sub ? new Set([abs, sub]) : undefined;
}

function withFusedOps(n: TfNode, ops: string[]): TfNode {
  const list = { s: ops.map((s) => Buffer.from(s, 'utf8').toString('base64')) };
  return { ...n, attr: { ...n.attr, fused_ops: { list } } };
}

function consumerMap(nodes: readonly TfNode[]): Map<string, TfNode[]> {
  const map = new Map<string, TfNode[]>();
  for (const n of nodes) {
    for (const ref of n.input) {
      const name = ref.replace(/^\^/, '').replace(/:0$/, '');
      const list = map.get(name) ?? [];
      list.push(n);
      map.set(name, list);
    }
  }
  return map;
}
