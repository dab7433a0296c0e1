export * from './errors.js';
export * from './env.js';
