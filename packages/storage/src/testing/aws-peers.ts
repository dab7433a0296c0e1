/**
 * Local stand-ins for S3 and SQS, started in-process on 127.0.0.1 ephemeral ports for tests:
 * `s3rver` (files in a temp directory) and `local-aws-sqs` (in memory). Their quirks are listed in
 * /work/shared/notes/infra-feasibility.md; the adapters' tests say where they differ from AWS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createSqsServer } from 'local-aws-sqs';

export interface AwsPeer {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  stop(): Promise<void>;
}

/** Any credentials work with both peers; the SDK only needs some to sign. */
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const TEST_AWS_REGION = 'us-east-1';

/** A bucket CORS rule letting any origin PUT (what a browser needs for presigned uploads). */
const PUT_FROM_ANY_ORIGIN = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

/**
 * s3rver with the given buckets created up front (default: `test-bucket`); `cors` lets browsers on
 * any origin PUT to them, like the production bucket's rule.
 */
export async function startS3rver(options: { buckets?: readonly string[]; cors?: boolean } = {}): Promise<AwsPeer & { directory: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'facerec-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Path-style only: virtual-host buckets would need DNS for <bucket>.127.0.0.1.
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? ['test-bucket']).map((name) => ({ name, configs: options.cors ? [PUT_FROM_ANY_ORIGIN] : [] })),
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function startLocalSqs(): Promise<AwsPeer> {
  // Queue deletion lifecycle emulation would forbid re-creating a name for 60 s between tests.
  const server: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Long polls hold connections open for up to 20 s; do not wait for them.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
