import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { InvalidParameterError } from '@facerec/core';
import { parse, type Command } from './command.js';

const USAGE = 'facerec resize <from-dir> <to-dir> [--height 1080]';

/** Makes benchmark copies of photos at a fixed height (e.g. the 1080p copies `bench speed` uses). */
export const resizeCommand: Command = {
  summary: 'write copies of a folder of photos scaled to a given height (benchmark inputs)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { height: { type: 'string', default: '1080' } }, USAGE);
    const height = Number(values.height);
    if (positionals.length !== 2 || !Number.isInteger(height) || height < 16) throw new InvalidParameterError(`usage: ${USAGE}`);
    const [from, to] = positionals;
    await mkdir(to, { recursive: true });
    const files = (await readdir(from)).filter((f) => /\.(jpe?g|png)$/i.test(f));
    for (const f of files) {
      const out = await sharp(await readFile(path.join(from, f))).rotate().resize({ height }).jpeg({ quality: 90 }).toBuffer();
      await writeFile(path.join(to, f.replace(/\.png$/i, '.jpg')), out);
    }
    process.stderr.write(`${files.length} photos written to ${to} at ${height} px high\n`);
    return 0;
  },
};
