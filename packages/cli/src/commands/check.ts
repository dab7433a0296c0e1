/**
 * `facerec check [--repair]`: compares Postgres (the source of truth) with the vector index,
 * collection by collection, and reports the drift: faces whose vector is missing from the index
 * (a search cannot find them) and vectors with no face row (a deleted face a search may return).
 * `--repair` upserts the missing vectors from the rows and deletes the orphans. JSON on stdout;
 * exit status 0 when the stores agree (or were repaired), 1 when drift was found and left.
 */
import { loadGatewayConfig, openOperatorContext, openOperatorVectorIndex } from '@facerec/gateway';
import { checkCollectionDrift, type CollectionDrift } from '@facerec/storage';
import { parse, printJson, type Command } from './command.js';
import { selectCollections } from './reindex.js';

const USAGE = 'facerec check [--repair] [--tenant NAME] [--collection ID] [--show N]   (stop the server first when VECTOR_INDEX=local)';
/** Ids listed per collection and kind in the report (the counts are always complete). */
const DEFAULT_SHOWN = 20;

export interface CheckReport {
  collections: number;
  rows: number;
  vectors: number;
  missing: number;
  orphans: number;
  repaired: boolean;
  drift: (Omit<CollectionDrift, 'missing' | 'orphans'> & { collectionId: string; tenantId: string; missing: number; orphans: number; missingIds: string[]; orphanIds: string[] })[];
}

export const checkCommand: Command = {
  summary: 'report drift between Postgres and the vector index (faces without vectors, vectors without faces); --repair fixes the index',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { repair: { type: 'boolean' }, tenant: { type: 'string' }, collection: { type: 'string' }, show: { type: 'string' } }, USAGE);
    const shown = values.show === undefined ? DEFAULT_SHOWN : Number(values.show);
    if (!Number.isInteger(shown) || shown < 0) throw new Error(`--show takes a whole number\nusage: ${USAGE}`);
    const config = loadGatewayConfig();
    const context = await openOperatorContext(config);
    const index = openOperatorVectorIndex(config, context);
    try {
      const report: CheckReport = { collections: 0, rows: 0, vectors: 0, missing: 0, orphans: 0, repaired: values.repair === true, drift: [] };
      for (const collection of await selectCollections(context, values.tenant, values.collection)) {
        const scope = { id: collection.id, tenantId: collection.tenantId };
        const drift = await checkCollectionDrift(index, context.repos.faces, scope, collection.faceModelVersion, { repair: values.repair === true });
        report.collections++;
        report.rows += drift.rows;
        report.vectors += drift.vectors;
        report.missing += drift.missing.length;
        report.orphans += drift.orphans.length;
        if (drift.missing.length + drift.orphans.length === 0) continue;
        const { missing, orphans, ...rest } = drift;
        report.drift.push({ ...rest, collectionId: collection.collectionId, tenantId: collection.tenantId, missing: missing.length, orphans: orphans.length, missingIds: missing.slice(0, shown), orphanIds: orphans.slice(0, shown) });
      }
      printJson(report);
      return report.missing + report.orphans === 0 || report.repaired ? 0 : 1;
    } finally {
      // Closing flushes the local index's snapshots (a repair must reach the disk).
      await index.close();
      await context.close();
    }
  },
};
