export { AlbumService, looksLikeImage, toAlbumImage, type Album, type AlbumImage, type AlbumServiceDeps, type PhotoMatch, type RejectedUpload, type SearchResult } from './album-service.js';
export { ingestImage, type IngestDeps, type IngestOutcome } from './ingest.js';
export { IngestWorker, type WorkerOptions } from './worker.js';
export { toProgress, type AlbumProgress } from './progress.js';
export { clusterFaces, type Person } from './people.js';
