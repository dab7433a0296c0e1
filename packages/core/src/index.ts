export * from './errors.js';
export * from './env.js';
export * from './random.js';
