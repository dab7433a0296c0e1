/**
 * What the int8 face-recognition model (catalog id `face-recognition-q8`) is built from: the float
 * graph, and a calibration copy of it that also outputs every conv's input and output so their
 * ranges can be measured on real face crops (packages/face/src/runtime/calibrate-q8.ts).
 */
import { buildFaceRecognition } from './faceRecognition.js';
import { loadFaceApiWeights } from './weights.js';

export interface CalibrationModel {
  bytes: Uint8Array;
  /** Names of the conv inputs and outputs the model also returns, in graph order. */
  tensors: string[];
}

export async function buildFaceRecognitionCalibration(): Promise<CalibrationModel> {
  const tensors: string[] = [];
  const bytes = buildFaceRecognition(await loadFaceApiWeights('face_recognition_model'), {
    weights: 'float32',
    rewrite: (g) => {
      for (const node of g.nodes) {
        if (node.opType !== 'Conv') continue;
        for (const name of [node.inputs[0], node.outputs[0]]) {
          if (tensors.includes(name)) continue;
          tensors.push(name);
          g.output(name, ['n', 'c', 'h', 'w']);
        }
      }
    },
  });
  return { bytes, tensors };
}
