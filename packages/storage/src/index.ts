export * from './vectors/vector-index.js';
export { cosine, matchesFilter, normalized } from './vectors/vector-math.js';
export * from './vectors/local-vector-index.js';
export * from './vectors/pinecone-index.js';
export { FakePineconeServer } from './testing/fake-pinecone-server.js';
export type { FakePineconeOptions } from './testing/fake-pinecone-server.js';
export * from './vectors/pgvector-index.js';
export * from './vectors/reindex.js';
