export * from './vectors/vector-index.js';
export { cosine, matchesFilter, normalized } from './vectors/vector-math.js';
export * from './vectors/local-vector-index.js';
