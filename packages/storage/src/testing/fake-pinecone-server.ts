/**
 * FakePineconeServer: a LOCAL STAND-IN for Pinecone's cloud data plane, for tests only. No Pinecone
 * emulator exists and the cloud cannot be reached from tests, so this node:http server implements
 * the documented data-plane REST calls of one dense index (API version 2026-07, the one
 * @pinecone-database/pinecone 9 sends):
 *
 *   POST /vectors/upsert        {vectors:[{id,values,metadata}], namespace} → {upsertedCount}
 *   POST /query                 {namespace, topK, vector | id, filter, includeValues, includeMetadata}
 *                               → {matches:[{id, score, values, metadata}], namespace, usage}
 *   GET  /vectors/fetch         ?ids=a&ids=b&namespace=n → {vectors:{id:{id,values,metadata}}, namespace, usage}
 *   POST /vectors/delete        {ids | deleteAll | filter, namespace} → {}
 *   GET  /vectors/list          ?namespace=n&prefix=p&limit=1..100&paginationToken=t → {vectors:[{id}], pagination?:{next}, namespace, usage}
 *                               (ids in sorted order; no `pagination` on the last page)
 *   POST /describe_index_stats  {filter?} → {namespaces:{n:{vectorCount}}, dimension, indexFullness, totalVectorCount, metric}
 *
 * Errors use the data plane's rpc status body `{code, message, details}` with gRPC codes (3 invalid
 * argument, 5 not found, 16 unauthenticated) and the matching HTTP status; a bad key gets 401
 * "Unauthorized" as plain text. Semantics are exact and immediately consistent, unlike the cloud,
 * whose writes become visible after a short delay: tests passing here do not prove timing behaviour.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type StoredValue = string | number | boolean | string[];
type StoredMetadata = Record<string, StoredValue>;

interface StoredVector {
  id: string;
  values: number[];
  metadata?: StoredMetadata;
}

export interface FakePineconeOptions {
  dimension: number;
  /** Required Api-Key header value; undefined accepts any. */
  apiKey?: string;
}

/** Pinecone's request limits (documented): checked so the adapter's batching is exercised. */
const MAX_UPSERT_VECTORS = 1000;
const MAX_DELETE_IDS = 1000;
const MAX_TOP_K = 10000;
const MAX_LIST_LIMIT = 100;

class RpcError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new RpcError(400, 3, message);

export class FakePineconeServer {
  private readonly namespaces = new Map<string, Map<string, StoredVector>>();
  private server: Server | undefined;
  /** Every request's method and path, for tests that check what the client sent. */
  readonly requests: { method: string; path: string; body: unknown }[] = [];

  constructor(private readonly options: FakePineconeOptions) {}

  /** Listens on an ephemeral port; returns the host URL to give `pc.index({ host })`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.options.apiKey !== undefined && req.headers['api-key'] !== this.options.apiKey) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      this.requests.push({ method: req.method ?? '', path: url.pathname, body });
      const result = this.route(req.method ?? '', url, body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const rpc = error instanceof RpcError ? error : new RpcError(500, 13, String(error));
      res
        .writeHead(rpc.httpStatus, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: rpc.grpcCode, message: rpc.message, details: [] }));
    }
  }

  private route(method: string, url: URL, body: unknown): unknown {
    const key = `${method} ${url.pathname}`;
    switch (key) {
      case 'POST /vectors/upsert':
        return this.upsert(asObject(body));
      case 'POST /query':
        return this.query(asObject(body));
      case 'GET /vectors/fetch':
        return this.fetch(url.searchParams.getAll('ids'), url.searchParams.get('namespace') ?? '');
      case 'POST /vectors/delete':
        return this.delete(asObject(body));
      case 'GET /vectors/list':
        return this.list(url.searchParams);
      case 'POST /describe_index_stats':
        return this.describeIndexStats(asObject(body ?? {}));
      default:
        throw new RpcError(404, 5, `Not found: ${key}`);
    }
  }

  private upsert(body: Record<string, unknown>): unknown {
    const vectors = body.vectors;
    if (!Array.isArray(vectors) || vectors.length === 0) throw invalid('vectors must be a non-empty list');
    if (vectors.length > MAX_UPSERT_VECTORS) throw invalid(`Upsert of ${vectors.length} vectors exceeds the limit of ${MAX_UPSERT_VECTORS}`);
    const parsed = vectors.map((vector) => this.parseVector(vector));
    const namespace = this.namespaceOf(body, true);
    for (const vector of parsed) namespace.set(vector.id, vector);
    return { upsertedCount: parsed.length };
  }

  private query(body: Record<string, unknown>): unknown {
    const topK = body.topK;
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
      throw invalid(`topK must be an integer between 1 and ${MAX_TOP_K}`);
    }
    if ((body.vector === undefined) === (body.id === undefined)) throw invalid('Exactly one of vector or id is required');
    const namespace = this.namespaceOf(body, false);
    const query = body.vector !== undefined ? this.parseValues(body.vector) : namespace?.get(String(body.id))?.values;
    const filter = body.filter === undefined ? undefined : asObject(body.filter);
    const matches = query
      ? [...(namespace?.values() ?? [])]
          .filter((vector) => !filter || matchesFilter(vector.metadata ?? {}, filter))
          .map((vector) => ({ vector, score: cosine(query, vector.values) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, topK)
          .map(({ vector, score }) => ({
            id: vector.id,
            score,
            values: body.includeValues === true ? vector.values : [],
            ...(body.includeMetadata === true && vector.metadata ? { metadata: vector.metadata } : {}),
          }))
      : [];
    return { matches, namespace: namespaceName(body), usage: { readUnits: 1 } };
  }

  private fetch(ids: string[], namespaceNameValue: string): unknown {
    if (ids.length === 0) throw invalid('ids must not be empty');
    const namespace = this.namespaces.get(namespaceNameValue);
    const vectors: Record<string, StoredVector> = {};
    for (const id of ids) {
      const vector = namespace?.get(id);
      if (vector) vectors[id] = vector;
    }
    return { vectors, namespace: namespaceNameValue, usage: { readUnits: 1 } };
  }

  private list(params: URLSearchParams): unknown {
    const limit = params.has('limit') ? Number(params.get('limit')) : MAX_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw invalid(`limit must be an integer between 1 and ${MAX_LIST_LIMIT}`);
    const name = params.get('namespace') ?? '';
    const prefix = params.get('prefix') ?? '';
    const token = params.get('paginationToken');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
    const ids = [...(this.namespaces.get(name)?.keys() ?? [])]
      .filter((id) => id.startsWith(prefix) && (after === undefined || id > after))
      .sort();
    const page = ids.slice(0, limit);
    return {
      vectors: page.map((id) => ({ id })),
      ...(ids.length > limit ? { pagination: { next: Buffer.from(page[page.length - 1], 'utf8').toString('base64url') } } : {}),
      namespace: name,
      usage: { readUnits: 1 },
    };
  }

  private delete(body: Record<string, unknown>): unknown {
    const modes = [body.ids !== undefined, body.deleteAll === true, body.filter !== undefined].filter(Boolean).length;
    if (modes !== 1) throw invalid('Exactly one of ids, deleteAll or filter is required');
    const name = namespaceName(body);
    const namespace = this.namespaces.get(name);
    if (body.deleteAll === true) {
      if (!namespace) throw new RpcError(404, 5, 'Namespace not found');
      this.namespaces.delete(name);
      return {};
    }
    if (body.ids !== undefined) {
      if (!Array.isArray(body.ids) || body.ids.length === 0) throw invalid('ids must be a non-empty list');
      if (body.ids.length > MAX_DELETE_IDS) throw invalid(`Delete of ${body.ids.length} ids exceeds the limit of ${MAX_DELETE_IDS}`);
      for (const id of body.ids) namespace?.delete(String(id));
    } else {
      const filter = asObject(body.filter);
      if (Object.keys(filter).length === 0) throw invalid('filter must not be empty');
      for (const [id, vector] of namespace ?? []) if (matchesFilter(vector.metadata ?? {}, filter)) namespace?.delete(id);
    }
    if (namespace && namespace.size === 0) this.namespaces.delete(name);
    return {};
  }

  private describeIndexStats(body: Record<string, unknown>): unknown {
    const filter = body.filter === undefined ? undefined : asObject(body.filter);
    const namespaces: Record<string, { vectorCount: number }> = {};
    let total = 0;
    for (const [name, vectors] of this.namespaces) {
      const count = [...vectors.values()].filter((v) => !filter || matchesFilter(v.metadata ?? {}, filter)).length;
      namespaces[name] = { vectorCount: count };
      total += count;
    }
    return {
      namespaces,
      dimension: this.options.dimension,
      indexFullness: 0,
      totalVectorCount: total,
      metric: 'cosine',
      vectorType: 'dense',
    };
  }

  private namespaceOf(body: Record<string, unknown>, create: true): Map<string, StoredVector>;
  private namespaceOf(body: Record<string, unknown>, create: false): Map<string, StoredVector> | undefined;
  private namespaceOf(body: Record<string, unknown>, create: boolean): Map<string, StoredVector> | undefined {
    const name = namespaceName(body);
    let namespace = this.namespaces.get(name);
    if (!namespace && create) {
      namespace = new Map();
      this.namespaces.set(name, namespace);
    }
    return namespace;
  }

  private parseVector(value: unknown): StoredVector {
    const vector = asObject(value);
    if (typeof vector.id !== 'string' || vector.id.length === 0) throw invalid('Vector id must be a non-empty string');
    const parsed: StoredVector = { id: vector.id, values: this.parseValues(vector.values) };
    if (vector.metadata !== undefined) parsed.metadata = parseMetadata(vector.metadata);
    return parsed;
  }

  private parseValues(value: unknown): number[] {
    if (!Array.isArray(value) || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw invalid('values must be a list of finite numbers');
    }
    if (value.length !== this.options.dimension) {
      throw invalid(`Vector dimension ${value.length} does not match the dimension of the index ${this.options.dimension}`);
    }
    return value as number[];
  }
}

function namespaceName(body: Record<string, unknown>): string {
  return typeof body.namespace === 'string' ? body.namespace : '';
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('Expected a JSON object');
  return value as Record<string, unknown>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('Request body is not valid JSON');
  }
}

function parseMetadata(value: unknown): StoredMetadata {
  const metadata = asObject(value);
  for (const [key, field] of Object.entries(metadata)) {
    const scalar = typeof field === 'string' || typeof field === 'number' || typeof field === 'boolean';
    const strings = Array.isArray(field) && field.every((x) => typeof x === 'string');
    if (!scalar && !strings) throw invalid(`Metadata value for field ${key} must be a string, number, boolean or list of strings`);
  }
  return metadata as StoredMetadata;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

type Scalar = string | number | boolean;

/** Pinecone's metadata filter language: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or. */
function matchesFilter(metadata: StoredMetadata, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return asList(condition).every((sub) => matchesFilter(metadata, asObject(sub)));
    if (key === '$or') return asList(condition).some((sub) => matchesFilter(metadata, asObject(sub)));
    if (typeof condition !== 'object' || condition === null) return matchesOperator(metadata[key], '$eq', condition);
    return Object.entries(condition).every(([operator, operand]) => matchesOperator(metadata[key], operator, operand));
  });
}

function matchesOperator(value: StoredValue | undefined, operator: string, operand: unknown): boolean {
  // A list field matches when any of its elements does.
  const values: Scalar[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  switch (operator) {
    case '$eq':
      return values.some((v) => v === operand);
    case '$ne':
      return !values.some((v) => v === operand);
    case '$in':
      return values.some((v) => asList(operand).includes(v));
    case '$nin':
      return !values.some((v) => asList(operand).includes(v));
    case '$exists':
      return (value !== undefined) === operand;
    case '$gt':
      return values.some((v) => typeof v === 'number' && v > Number(operand));
    case '$gte':
      return values.some((v) => typeof v === 'number' && v >= Number(operand));
    case '$lt':
      return values.some((v) => typeof v === 'number' && v < Number(operand));
    case '$lte':
      return values.some((v) => typeof v === 'number' && v <= Number(operand));
    default:
      throw invalid(`Unsupported filter operator ${operator}`);
  }
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw invalid('Expected a list in the filter');
  return value;
}
