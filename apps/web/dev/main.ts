// `pnpm --filter @facerec/web dev`: builds the pages and serves them with the mock albums API.
import { buildWebAssets } from '../src/build.js';
import { startMockServer } from './mock-server.js';

const key = process.env.MOCK_KEY ?? 'DEVKEY:devsecret';
await buildWebAssets({ minify: false });
const mock = await startMockServer({ key, tickMs: 300 });
process.stdout.write(`mock albums API and pages on ${mock.url}/studio/ (key ${key})\n`);
