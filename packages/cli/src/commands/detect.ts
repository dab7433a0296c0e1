import { readFile } from 'node:fs/promises';
import type { DetectFacesResponse } from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import { toFaceDetail, type AttributeSet } from '@facerec/rekognition';
import { openEngine } from './engine.js';
import { parse, printJson, type Command } from './command.js';

const USAGE = 'facerec detect <image> [--attributes DEFAULT|ALL]';

export const detectCommand: Command = {
  summary: 'detect faces in an image → a DetectFaces response',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { attributes: { type: 'string', default: 'DEFAULT' } }, USAGE);
    const attributes = values.attributes.toUpperCase();
    if (positionals.length !== 1) throw new InvalidParameterError(`usage: ${USAGE}`);
    if (attributes !== 'DEFAULT' && attributes !== 'ALL') throw new InvalidParameterError('--attributes must be DEFAULT or ALL');
    const engine = await openEngine({ threads: 1 });
    try {
      const analysis = await engine.analyze(await readFile(positionals[0]), { mode: 'album', embed: false, attributes: attributes === 'ALL' });
      const response: DetectFacesResponse = {
        FaceDetails: analysis.faces.map((f) => toFaceDetail(f, attributes as AttributeSet)),
        OrientationCorrection: analysis.orientationCorrection,
      };
      printJson(response);
      return 0;
    } finally {
      await engine.close();
    }
  },
};
