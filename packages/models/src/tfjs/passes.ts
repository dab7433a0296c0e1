import { DataType, type GraphBuilder, type Node, type Tensor } from '../onnx/index.js';

/** How many rewrites each pass made, for tests and logs. */
export interface PassStats {
  identitiesDropped: number;
  preluFused: number;
  /** Per-channel Mul/Add folded into the conv before them. */
  affineFolded: number;
  clipFused: number;
  deadNodesRemoved: number;
}

/** Node and tensor relations of a graph, rebuilt after each structural change. */
class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly initializers = new Map<string, Tensor>();
  readonly outputs: Set<string>;
  readonly inputs: Set<string>;

  constructor(g: GraphBuilder) {
    for (const n of g.nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of n.inputs) {
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
    for (const t of g.initializers) this.initializers.set(t.name, t);
    this.outputs = new Set(g.outputs.map((o) => o.name));
    this.inputs = new Set(g.inputs.map((i) => i.name));
  }

  /** The node producing `tensor` if it is `opType`. */
  producedBy(tensor: string, opType: string): Node | undefined {
    const n = this.producer.get(tensor);
    return n?.opType === opType ? n : undefined;
  }

  /** True when only `consumer` reads the tensor and it is not a graph output. */
  isPrivate(tensor: string, count = 1): boolean {
    return !this.outputs.has(tensor) && (this.consumers.get(tensor)?.length ?? 0) === count;
  }

  floats(name: string): Float32Array | undefined {
    const t = this.initializers.get(name);
    return t?.dataType === DataType.FLOAT && t.values instanceof Float32Array ? t.values : undefined;
  }

  /** The value of a constant whose elements are all equal (a scalar after broadcasting). */
  uniform(name: string): number | undefined {
    const v = this.floats(name);
    if (!v || v.length === 0) return undefined;
    return v.every((x) => x === v[0]) ? v[0] : undefined;
  }
}

function removeNodes(g: GraphBuilder, dead: ReadonlySet<Node>): void {
  const kept = g.nodes.filter((n) => !dead.has(n));
  g.nodes.length = 0;
  g.nodes.push(...kept);
}

function replaceUses(g: GraphBuilder, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

/** Identity nodes become plain wiring; one feeding a graph output renames its producer instead. */
export function dropIdentity(g: GraphBuilder): number {
  let dropped = 0;
  for (const node of [...g.nodes]) {
    if (node.opType !== 'Identity') continue;
    const index = new GraphIndex(g);
    const [x, y] = [node.inputs[0]!, node.outputs[0]!];
    if (!index.outputs.has(y)) {
      replaceUses(g, y, x);
    } else {
      const producer = index.producer.get(x);
      if (!producer || index.outputs.has(x)) continue;
      producer.outputs = producer.outputs.map((o) => (o === x ? y : o));
      replaceUses(g, x, y);
    }
    removeNodes(g, new Set([node]));
    dropped++;
  }
  return dropped;
}

/**
 * TF's decomposed PReLU, relu(x) + c * (x - |x|) with c = alpha / 2, becomes PRelu(x, 2c):
 * onnxruntime fuses PRelu into the conv before it, the five-node form it cannot.
 */
export function fuseDecomposedPrelu(g: GraphBuilder): number {
  let fused = 0;
  for (const add of [...g.nodes]) {
    if (add.opType !== 'Add') continue;
    const index = new GraphIndex(g);
    const match = matchDecomposedPrelu(index, add);
    if (!match) continue;
    const slope = Float32Array.from(match.half, (v) => 2 * v);
    add.opType = 'PRelu';
    add.inputs = [match.x, g.constant('prelu_slope', match.halfDims, slope, DataType.FLOAT)];
    removeNodes(g, new Set(match.dead));
    fused++;
  }
  return fused;
}

interface PreluMatch {
  x: string;
  half: Float32Array;
  halfDims: readonly number[];
  dead: Node[];
}

function matchDecomposedPrelu(index: GraphIndex, add: Node): PreluMatch | undefined {
  for (const [p, q] of [[0, 1], [1, 0]] as const) {
    const relu = index.producedBy(add.inputs[p]!, 'Relu');
    const mul = index.producedBy(add.inputs[q]!, 'Mul');
    if (!relu || !mul) continue;
    const x = relu.inputs[0]!;
    const constIdx = mul.inputs.findIndex((i) => index.floats(i));
    if (constIdx < 0) continue;
    const sub = index.producedBy(mul.inputs[1 - constIdx]!, 'Sub');
    if (!sub || sub.inputs[0] !== x) continue;
    const abs = index.producedBy(sub.inputs[1]!, 'Abs');
    if (!abs || abs.inputs[0] !== x) continue;
    const privateChain = [relu, mul, sub, abs].every((n) => index.isPrivate(n.outputs[0]!));
    if (!privateChain) continue;
    const c = index.initializers.get(mul.inputs[constIdx]!)!;
    return { x, half: c.values as Float32Array, halfDims: c.dims, dead: [relu, mul, sub, abs] };
  }
  return undefined;
}

/** max(x, 0) + alpha * min(x, 0) (MXNet's PReLU as tfjs exports it) becomes PRelu(x, alpha). */
export function fuseMaxMinPrelu(g: GraphBuilder): number {
  let fused = 0;
  for (const add of [...g.nodes]) {
    if (add.opType !== 'Add') continue;
    const index = new GraphIndex(g);
    const match = matchMaxMinPrelu(index, add);
    if (!match) continue;
    add.opType = 'PRelu';
    add.inputs = [match.x, match.alpha];
    removeNodes(g, new Set(match.dead));
    fused++;
  }
  return fused;
}

function matchMaxMinPrelu(index: GraphIndex, add: Node): { x: string; alpha: string; dead: Node[] } | undefined {
  for (const [p, q] of [[0, 1], [1, 0]] as const) {
    const max = index.producedBy(add.inputs[p]!, 'Max');
    const mul = index.producedBy(add.inputs[q]!, 'Mul');
    if (!max || !mul) continue;
    const x = otherThanZero(index, max);
    const alphaIdx = mul.inputs.findIndex((i) => index.floats(i));
    if (x === undefined || alphaIdx < 0) continue;
    const min = index.producedBy(mul.inputs[1 - alphaIdx]!, 'Min');
    if (!min || otherThanZero(index, min) !== x) continue;
    if (![max, mul, min].every((n) => index.isPrivate(n.outputs[0]!))) continue;
    return { x, alpha: mul.inputs[alphaIdx]!, dead: [max, mul, min] };
  }
  return undefined;
}

/** For a binary node with one all-zero constant operand, the other operand. */
function otherThanZero(index: GraphIndex, n: Node): string | undefined {
  if (n.inputs.length !== 2) return undefined;
  const zeroAt = n.inputs.findIndex((i) => index.uniform(i) === 0);
  return zeroAt < 0 ? undefined : n.inputs[1 - zeroAt];
}

interface Bounds {
  x: string;
  lo: number;
  hi: number;
}

/** Reads Relu, Min/Max with a uniform constant, and Clip with constant bounds as a clamp. */
function clampOf(index: GraphIndex, n: Node): Bounds | undefined {
  if (n.opType === 'Relu') return { x: n.inputs[0]!, lo: 0, hi: Infinity };
  if (n.opType === 'Min' || n.opType === 'Max') {
    if (n.inputs.length !== 2) return undefined;
    const at = n.inputs.findIndex((i) => index.uniform(i) !== undefined);
    if (at < 0) return undefined;
    const c = index.uniform(n.inputs[at]!)!;
    const x = n.inputs[1 - at]!;
    return n.opType === 'Min' ? { x, lo: -Infinity, hi: c } : { x, lo: c, hi: Infinity };
  }
  if (n.opType === 'Clip') {
    const [x, lo, hi] = n.inputs;
    const loV = lo ? index.uniform(lo) : -Infinity;
    const hiV = hi ? index.uniform(hi) : Infinity;
    if (loV === undefined || hiV === undefined) return undefined;
    return { x: x!, lo: loV, hi: hiV };
  }
  return undefined;
}

/** Chains of Relu / Min(c) / Max(c) / Clip collapse into one Clip (Relu6 for Keras MobileNets). */
export function fuseClipChains(g: GraphBuilder): number {
  let fused = 0;
  for (let changed = true; changed; ) {
    changed = false;
    const index = new GraphIndex(g);
    for (const first of g.nodes) {
      const a = clampOf(index, first);
      const out = first.outputs[0]!;
      const next = index.consumers.get(out)?.[0];
      if (!a || !next || !index.isPrivate(out)) continue;
      const b = clampOf(index, next);
      if (!b || b.x !== out) continue;
      const lo = Math.max(a.lo, b.lo);
      const hi = Math.min(a.hi, b.hi);
      if (lo > hi) continue;
      rewriteAsClamp(g, next, a.x, lo, hi);
      removeNodes(g, new Set([first]));
      fused++;
      changed = true;
      break;
    }
  }
  return fused;
}

function rewriteAsClamp(g: GraphBuilder, n: Node, x: string, lo: number, hi: number): void {
  n.attributes = {};
  if (lo === 0 && hi === Infinity) {
    n.opType = 'Relu';
    n.inputs = [x];
    return;
  }
  n.opType = 'Clip';
  const min = lo === -Infinity ? '' : g.float('clip_min', [], [lo]);
  n.inputs = hi === Infinity ? [x, min] : [x, min, g.float('clip_max', [], [hi])];
}

/** Per-channel values of a constant that broadcasts along the last (NHWC channel) axis only. */
function channelConstant(index: GraphIndex, name: string, channels: number): Float32Array | undefined {
  const t = index.initializers.get(name);
  const v = index.floats(name);
  if (!t || !v) return undefined;
  if (v.length === 1) return new Float32Array(channels).fill(v[0]!);
  const leadingOnes = t.dims.slice(0, -1).every((d) => d === 1);
  return leadingOnes && t.dims[t.dims.length - 1] === channels ? v : undefined;
}

/**
 * Conv -> Transpose(to NHWC) -> Mul/Add by a per-channel constant (an unfolded batch norm, as
 * in faceres) folds into the conv's weights and bias, so the conv's activation can fuse next.
 */
export function foldChannelAffineIntoConv(g: GraphBuilder): number {
  let folded = 0;
  for (let changed = true; changed; ) {
    changed = false;
    const index = new GraphIndex(g);
    for (const conv of g.nodes) {
      if (conv.opType !== 'Conv' || !index.isPrivate(conv.outputs[0]!)) continue;
      const back = index.consumers.get(conv.outputs[0]!)![0]!;
      const isToNhwc = back.opType === 'Transpose' && back.attributes['perm']?.kind === 'ints' && back.attributes['perm'].value.join() === '0,2,3,1';
      if (!isToNhwc || !index.isPrivate(back.outputs[0]!)) continue;
      const next = index.consumers.get(back.outputs[0]!)![0]!;
      if (foldInto(g, index, conv, back, next)) {
        folded++;
        changed = true;
        break;
      }
    }
  }
  return folded;
}

function foldInto(g: GraphBuilder, index: GraphIndex, conv: Node, back: Node, next: Node): boolean {
  if ((next.opType !== 'Mul' && next.opType !== 'Add') || next.inputs.length !== 2) return false;
  const w = index.initializers.get(conv.inputs[1]!);
  const weights = index.floats(conv.inputs[1]!);
  if (!w || !weights) return false;
  const channels = w.dims[0]!;
  const at = next.inputs[0] === back.outputs[0] ? 1 : 0;
  const c = channelConstant(index, next.inputs[at]!, channels);
  const biasName = conv.inputs[2];
  const bias = biasName ? index.floats(biasName) : new Float32Array(channels);
  if (!c || !bias || next.inputs[1 - at] !== back.outputs[0]) return false;
  const perChannel = weights.length / channels;
  let newWeights = weights;
  let newBias: Float32Array;
  if (next.opType === 'Mul') {
    newWeights = weights.map((v, i) => v * c[Math.floor(i / perChannel)]!);
    newBias = bias.map((v, o) => v * c[o]!);
  } else {
    newBias = bias.map((v, o) => v + c[o]!);
  }
  conv.inputs = [conv.inputs[0]!, g.constant('folded_filter', w.dims, newWeights, DataType.FLOAT), g.float('folded_bias', [channels], newBias)];
  back.outputs = [...next.outputs];
  removeNodes(g, new Set([next]));
  return true;
}

/** Removes nodes no graph output depends on, then initializers nothing reads. */
export function eliminateDeadCode(g: GraphBuilder): number {
  const live = new Set(g.outputs.map((o) => o.name));
  const keep = new Set<Node>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => live.has(o))) continue;
    keep.add(n);
    for (const input of n.inputs) live.add(input);
  }
  const removed = g.nodes.length - keep.size;
  removeNodes(g, new Set(g.nodes.filter((n) => !keep.has(n))));
  const used = g.initializers.filter((t) => live.has(t.name));
  g.initializers.length = 0;
  g.initializers.push(...used);
  return removed;
}

/** The rewrite passes, in the order that lets later ones see the earlier results. */
export function optimizeGraph(g: GraphBuilder): PassStats {
  const identitiesDropped = dropIdentity(g);
  const preluFused = fuseDecomposedPrelu(g) + fuseMaxMinPrelu(g);
  const affineFolded = foldChannelAffineIntoConv(g);
  const clipFused = fuseClipChains(g);
  const deadNodesRemoved = eliminateDeadCode(g);
  return { identitiesDropped, preluFused, affineFolded, clipFused, deadNodesRemoved };
}
