import { readFile } from 'node:fs/promises';
import { InvalidParameterError } from '@facerec/core';
import { compareFaces, SimilarityScale } from '@facerec/rekognition';
import { openEngine } from './engine.js';
import { parse, printJson, type Command } from './command.js';

const USAGE = 'facerec compare <source> <target> [--threshold 80]';

export const compareCommand: Command = {
  summary: 'compare the largest face of one image with the faces of another → a CompareFaces response',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { threshold: { type: 'string', default: '80' } }, USAGE);
    const threshold = Number(values.threshold);
    if (positionals.length !== 2) throw new InvalidParameterError(`usage: ${USAGE}`);
    if (!(threshold >= 0 && threshold <= 100)) throw new InvalidParameterError('--threshold must be between 0 and 100');
    const engine = await openEngine({ threads: 2 });
    try {
      const [source, target] = await Promise.all([
        readFile(positionals[0]).then((b) => engine.analyze(b, { mode: 'selfie', embed: true, attributes: false })),
        readFile(positionals[1]).then((b) => engine.analyze(b, { mode: 'album', embed: true, attributes: false })),
      ]);
      printJson(compareFaces(source, target, threshold, SimilarityScale.forModelVersion(engine.modelVersion)));
      return 0;
    } finally {
      await engine.close();
    }
  },
};
