/**
 * A deterministic stand-in for the face engine, for the runners' tests. The test writes each
 * "image" as text that tells the fake what it shows:
 *   - `faces=N`            N faces, no identity (group photos, non-faces with N = 0);
 *   - `<identity>/<name>`  one face whose embedding is the identity's axis, nudged by the name;
 *                          a name containing `noface` gives no face, one containing `crowd` adds a
 *                          smaller decoy face of another identity listed FIRST.
 * Embeddings of one identity have cosine ≈ 0.96 with each other and ≈ 0 with other identities.
 */
import type { AnalyzeOptions, AnalyzedFace, FaceEngine, ImageAnalysis } from '@facerec/face';

export const FAKE_DIM = 32;
const TIMINGS = { decodeMs: 1, detectMs: 2, embedMs: 3, attributesMs: 0 };

export class FakeFaceEngine implements FaceEngine {
  readonly modelVersion = 'fake-1';
  /** Every call, in order: the text content and the options. */
  readonly calls: { content: string; options: AnalyzeOptions }[] = [];
  private readonly axes = new Map<string, number>();

  async analyze(image: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    const content = new TextDecoder().decode(image).trim();
    this.calls.push({ content, options });
    // Yield so concurrent callers really interleave.
    await new Promise((r) => setImmediate(r));
    return { width: 100, height: 100, faces: this.faces(content, options), timings: { ...TIMINGS } };
  }

  async close(): Promise<void> {}

  private faces(content: string, options: AnalyzeOptions): AnalyzedFace[] {
    const count = /^faces=(\d+)$/.exec(content);
    if (count !== null) return Array.from({ length: Number(count[1]) }, (_, i) => face(0.1, 90 - i, undefined));
    const [identity, name = ''] = content.split('/');
    if (name.includes('noface')) return [];
    const main = face(0.5, 99, options.embed ? this.embedding(identity, name) : undefined);
    if (!name.includes('crowd')) return [main];
    const decoy = face(0.1, 95, options.embed ? this.embedding(`decoy-of-${identity}`, name) : undefined);
    return [decoy, main];
  }

  private embedding(identity: string, name: string): Float32Array {
    const v = new Float32Array(FAKE_DIM);
    v[this.axis(identity)] = 1;
    // A per-image nudge on one of the last dimensions, so same-identity cosines are not all 1.
    v[FAKE_DIM - 1 - (hash(name) % 4)] = 0.2;
    let norm = 0;
    for (const x of v) norm += x * x;
    return v.map((x) => x / Math.sqrt(norm));
  }

  private axis(identity: string): number {
    let a = this.axes.get(identity);
    if (a === undefined) {
      a = this.axes.size;
      if (a >= FAKE_DIM - 4) throw new Error('fake engine: too many identities');
      this.axes.set(identity, a);
    }
    return a;
  }
}

function face(size: number, confidence: number, embedding: Float32Array | undefined): AnalyzedFace {
  const f: AnalyzedFace = {
    BoundingBox: { Width: size, Height: size, Left: 0.1, Top: 0.1 },
    Confidence: confidence,
    Landmarks: [],
    Pose: { Roll: 0, Yaw: 0, Pitch: 0 },
    Quality: { Brightness: 50, Sharpness: 50 },
  };
  if (embedding !== undefined) f.embedding = embedding;
  return f;
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}
