export * from './face-api.js';
