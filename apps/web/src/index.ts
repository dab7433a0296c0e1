export { buildWebAssets, webAssetsDir, type BuildOptions, type BuildReport } from './build.js';
export { routeWebPath, webHandler, type WebHandler, type WebHandlerOptions } from './serve.js';
