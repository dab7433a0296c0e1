import type * as R from '@aws-sdk/client-rekognition';
import type { Caller } from './face-api.js';
import type { ServiceContext } from './context.js';
import * as v from './validate.js';

export class CollectionOperations {
  constructor(private readonly ctx: ServiceContext) {}

  async CreateCollection(caller: Caller, r: R.CreateCollectionRequest): Promise<R.CreateCollectionResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const region = this.ctx.deps.region ?? 'us-east-1';
    const created = await this.ctx.repos.collections.create({
      tenantId: caller.tenantId,
      collectionId,
      arn: `aws:rekognition:${region}:${caller.tenantId}:collection/${collectionId}`,
      faceModelVersion: this.ctx.modelVersion,
    });
    return { StatusCode: 200, CollectionArn: created.arn, FaceModelVersion: created.faceModelVersion };
  }

  async DescribeCollection(caller: Caller, r: R.DescribeCollectionRequest): Promise<R.DescribeCollectionResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const d = await this.ctx.repos.collections.describe(caller.tenantId, collectionId);
    return { FaceCount: d.faceCount, UserCount: d.userCount, FaceModelVersion: d.faceModelVersion, CollectionARN: d.arn, CreationTimestamp: d.createdAt };
  }

  async ListCollections(caller: Caller, r: R.ListCollectionsRequest): Promise<R.ListCollectionsResponse> {
    const maxResults = v.numberIn(r.MaxResults, 'MaxResults', 0, 4096, 0, true);
    const nextToken = v.optionalString(r.NextToken, 'NextToken', 255);
    const page = await this.ctx.repos.collections.list(caller.tenantId, { maxResults, nextToken });
    return {
      CollectionIds: page.items.map((c) => c.collectionId),
      FaceModelVersions: page.items.map((c) => c.faceModelVersion),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** Rows first (the source of truth), then the collection's vectors. */
  async DeleteCollection(caller: Caller, r: R.DeleteCollectionRequest): Promise<R.DeleteCollectionResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const deleted = await this.ctx.repos.collections.delete(caller.tenantId, collectionId);
    await this.ctx.vectors.deleteCollection(this.ctx.key(deleted));
    return { StatusCode: 200 };
  }
}
