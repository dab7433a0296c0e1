import { InvalidParameterError } from '@facerec/core';
import type { CollectionRecord } from '@facerec/db';
import { findTenantByName, listTenants, loadGatewayConfig, openOperatorContext, openOperatorVectorIndex, type OperatorContext, type TenantSummary } from '@facerec/gateway';
import { reindexCollection } from '@facerec/storage';
import { parse, type Command } from './command.js';

const USAGE = 'facerec reindex [--tenant NAME] [--collection ID]   (stop the server first when VECTOR_INDEX=local)';

export const reindexCommand: Command = {
  summary: 'rebuild the vector index from Postgres (the source of truth), collection by collection',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { tenant: { type: 'string' }, collection: { type: 'string' } }, USAGE);
    const config = loadGatewayConfig();
    const context = await openOperatorContext(config);
    const index = openOperatorVectorIndex(config, context);
    try {
      const collections = await selectCollections(context, values.tenant, values.collection);
      const totals = await Promise.all(collections.map((c) => context.repos.faces.count({ id: c.id, tenantId: c.tenantId })));
      const progress = new ProgressBar(totals.reduce((a, b) => a + b, 0));
      let vectors = 0;
      for (const [i, collection] of collections.entries()) {
        progress.update(vectors, `${i + 1}/${collections.length} ${collection.collectionId}`);
        const result = await reindexCollection(index, context.repos.faces, { id: collection.id, tenantId: collection.tenantId }, collection.faceModelVersion);
        vectors += result.vectors;
      }
      progress.done(vectors, `${collections.length} collection(s)`);
      return 0;
    } finally {
      // Closing flushes the local index's snapshots.
      await index.close();
      await context.close();
    }
  },
};

export async function selectCollections(context: OperatorContext, tenantName: string | undefined, collectionId: string | undefined): Promise<CollectionRecord[]> {
  let tenants: TenantSummary[];
  if (tenantName === undefined) tenants = await listTenants(context);
  else {
    const tenant = await findTenantByName(context, tenantName);
    if (!tenant) throw new InvalidParameterError(`no tenant named "${tenantName}"`);
    tenants = [tenant];
  }
  const collections: CollectionRecord[] = [];
  for (const tenant of tenants) {
    let nextToken: string | undefined;
    do {
      const page = await context.repos.collections.list(tenant.id, { maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      collections.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  if (collectionId === undefined) return collections;
  const selected = collections.filter((c) => c.collectionId === collectionId);
  if (selected.length === 0) throw new InvalidParameterError(`no collection "${collectionId}"`);
  return selected;
}

/** A one-line bar on stderr, redrawn in place on a terminal and printed per step otherwise. */
class ProgressBar {
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  update(done: number, label: string): void {
    const line = this.render(done, label);
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  }

  done(done: number, label: string): void {
    this.update(done, label);
    if (this.tty) process.stderr.write('\n');
    process.stdout.write(`reindexed ${done} vector(s) in ${label}\n`);
  }

  private render(done: number, label: string): string {
    const width = 30;
    const ratio = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const filled = Math.round(ratio * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} vectors  ${label}`;
  }
}
