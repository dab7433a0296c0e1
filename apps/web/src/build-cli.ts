// `pnpm --filter @facerec/web build`: builds dist/ and prints each file's size.
import { buildWebAssets } from './build.js';

const report = await buildWebAssets();
for (const [name, bytes] of Object.entries(report.files)) process.stdout.write(`${name}\t${bytes} B\n`);
