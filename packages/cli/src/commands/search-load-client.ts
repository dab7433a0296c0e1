/**
 * The load generator of `bench search-load`, kept cheap so that it does not distort what it
 * measures: every request is built and SigV4-signed once by the real SDK (a request handler that
 * captures instead of sending), then replayed as raw bytes over keep-alive HTTP by closed-loop
 * clients in a child process, whose CPU is reported apart from the server's.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RekognitionClient, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';

/** A request as the SDK would have sent it: path, headers (signature included) and body. */
export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadPlan {
  url: string;
  requests: SignedRequest[];
  concurrency: number;
  /** Stop starting requests after this many seconds… */
  seconds: number;
  /** …or after this many requests in all, whichever comes first. */
  maxRequests?: number;
  /**
   * Seconds of the same load first, on the same connections, before the measured `seconds`: a
   * request counts in the phase in which it started. The server's first seconds are slower (JIT,
   * fresh connections); a closed loop that starts cold also sends all its clients' first requests
   * at once.
   */
  warmupSeconds?: number;
}

export interface LoadResult {
  latenciesMs: number[];
  errors: Record<string, number>;
  /** Answers with at least one FaceMatches entry. */
  matched: number;
  wallSeconds: number;
  /** CPU the load generator itself used while sending (user + system). */
  clientCpuMs: number;
  /** The warm-up phase, when there was one (same fields). */
  warmup?: Omit<LoadResult, 'warmup'>;
}

/** Posted by the child when the warm-up ends and the measured phase begins. */
export const MEASURING = 'measuring';

/** A request handler that records the final, signed request and never sends it. */
class CapturingHandler {
  captured: SignedRequest | undefined;

  async handle(request: { path: string; headers: Record<string, string>; body?: unknown }): Promise<never> {
    const body = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? Buffer.from(request.body).toString('utf8') : undefined;
    if (body === undefined) throw new Error('expected a JSON body (string or bytes) from the SDK');
    this.captured = { path: request.path, headers: { ...request.headers }, body };
    throw new CapturedRequest();
  }
}

class CapturedRequest extends Error {
  constructor() {
    super('captured');
    this.name = 'CapturedRequest';
  }
}

/** Builds and signs one SearchFacesByImage request per image (signatures stay valid for the server's clock-skew window). */
export async function signSearches(url: string, credentials: { accessKeyId: string; secretAccessKey: string }, collectionId: string, images: readonly Uint8Array[], maxFaces = 10): Promise<SignedRequest[]> {
  const handler = new CapturingHandler();
  const client = new RekognitionClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: handler });
  const out: SignedRequest[] = [];
  for (const bytes of images) {
    try {
      await client.send(new SearchFacesByImageCommand({ CollectionId: collectionId, Image: { Bytes: bytes }, MaxFaces: maxFaces }));
    } catch (e) {
      if (!(e instanceof CapturedRequest)) throw e;
    }
    if (!handler.captured) throw new Error('the SDK sent no request');
    const headers = handler.captured.headers;
    headers['content-length'] = String(Buffer.byteLength(handler.captured.body));
    out.push(handler.captured);
    handler.captured = undefined;
  }
  return out;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** AWS JSON errors name themselves in `x-amzn-errortype` (`Name:` prefix optional). */
function errorName(res: http.IncomingMessage): string {
  const header = res.headers['x-amzn-errortype'];
  const raw = Array.isArray(header) ? header[0] : header;
  return raw ? raw.split(':')[0] : `HTTP${res.statusCode ?? 0}`;
}

function send(agent: http.Agent, target: URL, req: SignedRequest): Promise<{ error?: string; matched: boolean }> {
  return new Promise((resolve) => {
    const r = http.request({ agent, host: target.hostname, port: target.port, method: 'POST', path: req.path, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ error: errorName(res), matched: false });
        // A match carries a Similarity; no JSON parse needed to count it.
        resolve({ matched: Buffer.concat(chunks).includes('"Similarity"') });
      });
      res.on('error', () => resolve({ error: 'ResponseError', matched: false }));
    });
    r.on('error', (e) => resolve({ error: e.name || 'RequestError', matched: false }));
    r.end(req.body);
  });
}

/** Closed loop: `concurrency` clients, each sending its next request as soon as the last answered. */
export async function runLoad(plan: LoadPlan, onMeasuring?: () => void): Promise<LoadResult> {
  const target = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const phases = [emptyPhase(), emptyPhase()];
  let started = 0;
  const limit = plan.maxRequests ?? Infinity;
  const t0 = performance.now();
  const boundary = t0 + (plan.warmupSeconds ?? 0) * 1000;
  const deadline = boundary + plan.seconds * 1000;
  const cpu0 = cpuMs();
  let cpuAtBoundary = cpu0;
  const mark = () => {
    cpuAtBoundary = cpuMs();
    onMeasuring?.();
  };
  const timer = boundary > t0 ? setTimeout(mark, boundary - t0) : (mark(), undefined);
  await Promise.all(
    Array.from({ length: plan.concurrency }, async (_, w) => {
      for (let n = w; performance.now() < deadline && started < limit; n += plan.concurrency) {
        started++;
        const t = performance.now();
        const phase = phases[t < boundary ? 0 : 1];
        const r = await send(agent, target, plan.requests[n % plan.requests.length]);
        if (r.error) {
          phase.errors[r.error] = (phase.errors[r.error] ?? 0) + 1;
          continue;
        }
        phase.latenciesMs.push(performance.now() - t);
        if (r.matched) phase.matched++;
      }
    }),
  );
  clearTimeout(timer);
  const end = performance.now();
  const cpuEnd = cpuMs();
  agent.destroy();
  const [warm, measured] = phases;
  const result: LoadResult = { ...measured, wallSeconds: (end - Math.min(boundary, end)) / 1000, clientCpuMs: cpuEnd - cpuAtBoundary };
  if (boundary > t0) result.warmup = { ...warm, wallSeconds: (Math.min(boundary, end) - t0) / 1000, clientCpuMs: cpuAtBoundary - cpu0 };
  return result;
}

function emptyPhase(): { latenciesMs: number[]; errors: Record<string, number>; matched: number } {
  return { latenciesMs: [], errors: {}, matched: 0 };
}

/**
 * Runs `runLoad` in a child process, so its CPU is not the server's. `onMeasuring` is called when
 * the warm-up ends (at once without one), for the caller to start measuring the server.
 */
export function runLoadInChild(plan: LoadPlan, onMeasuring?: () => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--search-load-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    child.on('message', (m) => {
      if (m === MEASURING) onMeasuring?.();
      else result = m as LoadResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`load client exited with ${code} before reporting`))));
    child.send(plan);
  });
}

if (process.argv.includes('--search-load-child') && process.send) {
  process.once('message', (plan) => {
    void runLoad(plan as LoadPlan, () => process.send?.(MEASURING)).then((r) => process.send?.(r, () => process.disconnect()));
  });
}
