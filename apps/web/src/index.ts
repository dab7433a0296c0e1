export { buildWebAssets, webAssetsDir, type BuildOptions, type BuildReport } from './build.js';
export { routeWebPath, webHandler, type WebHandler } from './serve.js';
