export * from './errors.js';
export * from './metrics.js';
export * from './calibration.js';
export * from './pairs.js';
export * from './groups.js';
export * from './speed.js';
export * from './progress.js';
export { mapConcurrent } from './pool.js';
export { listImages } from './files.js';
