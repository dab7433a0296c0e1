import type { ModelIO, ModelSpec } from '../spec.js';
import { buildAgeGender } from './ageGender.js';
import { buildFaceExpression, buildFaceLandmark68, FACE_CROP_SIZE, FACE_EXPRESSIONS } from './faceFeatures.js';
import { buildFaceRecognition, FACE_RECOGNITION_SIZE } from './faceRecognition.js';
import { quantizeConvsStatic } from '../onnx/quantize.js';
import { FACE_RECOGNITION_Q8_RANGES } from './faceRecognitionQ8Ranges.js';
import type { LayerOptions } from './layers.js';
import { buildSsdMobilenetv1, SSD_ANCHORS, SSD_SIZE } from './ssdMobilenetv1.js';
import { buildTinyFaceDetector, TINY_FACE_DETECTOR_SIZE, tinyGridSize } from './tinyFaceDetector.js';
import { loadFaceApiWeights, manifestPath, type FaceApiModelName, type WeightMap } from './weights.js';

/**
 * uint8 filters dequantised by Cast/Sub/Mul: files ~3.5x smaller than float32 and, because
 * onnxruntime constant-folds those ops at session creation, float32 inference speed. Measured
 * (measure.ts, 1 thread): DequantizeLinear is as small but is NOT folded, and cost 1.5–2.5x
 * the inference time (dlib 5.2 vs 3.3 ms, ssd 66 vs 39 ms).
 */
export const DEFAULT_LAYER_OPTIONS: LayerOptions = { weights: 'uint8-cast' };

const RGB_DOC = 'NHWC float32 RGB, raw pixel values 0..255 (face-api\'s mean subtraction and scaling happen inside the graph)';

const FACE_API_MIT = 'MIT (face-api.js by Vincent Mühler; @vladmandic/face-api)';

interface FaceApiModel {
  id: string;
  weights: FaceApiModelName;
  description: string;
  license: string;
  io: ModelIO;
  build(weights: WeightMap, options: LayerOptions): Uint8Array;
}

function cropInput(size: number, what: string): ModelIO['inputs'] {
  return [{ name: 'image', shape: ['batch', size, size, 3], doc: `${RGB_DOC}; ${size}×${size} ${what}` }];
}

const tinyCount = tinyGridSize(TINY_FACE_DETECTOR_SIZE) ** 2 * 5;

const MODELS: readonly FaceApiModel[] = [
  {
    id: 'face-recognition',
    weights: 'face_recognition_model',
    description: 'face-api FaceRecognitionNet: dlib ResNet-34 face descriptor (128-d, 99.38 % on LFW per dlib)',
    license: 'CC0-1.0 / public domain weights (dlib_face_recognition_resnet_model_v1 by Davis King); face-api.js port MIT',
    io: {
      inputs: cropInput(FACE_RECOGNITION_SIZE, 'face crop (dlib aligns faces to a 150×150 chip with 25 % padding)'),
      outputs: [
        {
          name: 'embedding',
          shape: ['batch', 128],
          doc: 'face descriptor, NOT L2-normalised (norms 1.30–1.39 measured on real faces); face-api and dlib compare raw descriptors by Euclidean distance (dlib: < 0.6 = same person)',
        },
      ],
    },
    build: buildFaceRecognition,
  },
  {
    id: 'face-recognition-q8',
    weights: 'face_recognition_model',
    description: 'face-recognition with its convs in static int8 QDQ (per-channel int8 filters, uint8 activations with ranges calibrated on LFW dev-train crops): not the default, see docs/benchmarks.md',
    license: 'CC0-1.0 / public domain weights (dlib_face_recognition_resnet_model_v1 by Davis King); face-api.js port MIT',
    io: {
      inputs: cropInput(FACE_RECOGNITION_SIZE, 'face crop (as face-recognition)'),
      outputs: [{ name: 'embedding', shape: ['batch', 128], doc: 'as face-recognition: face descriptor, NOT L2-normalised' }],
    },
    // Quantised from the float32 filters: the uint8 storage of the other models would quantise twice.
    build: (weights) => buildFaceRecognition(weights, { weights: 'float32', rewrite: (g) => quantizeConvsStatic(g, new Map(Object.entries(FACE_RECOGNITION_Q8_RANGES))) }),
  },
  {
    id: 'ssd-mobilenetv1',
    weights: 'ssd_mobilenetv1_model',
    description: 'face-api SsdMobilenetv1 face detector (MobileNetV1 SSD, WIDER FACE), anchor decoding in the graph, no NMS',
    license: 'Apache-2.0 (weights by yeephycho/tensorflow-face-detection, trained on WIDER FACE, whose images are for research use)',
    io: {
      inputs: [{ name: 'image', shape: [1, SSD_SIZE, SSD_SIZE, 3], doc: `${RGB_DOC}; ${SSD_SIZE}×${SSD_SIZE}, batch 1 (face-api pads to square at bottom/right, then resizes)` }],
      outputs: [
        { name: 'boxes', shape: [SSD_ANCHORS, 4], doc: 'one box per anchor: x1, y1, x2, y2 as fractions 0..1 of the input width/height, clipped to 0..1' },
        { name: 'scores', shape: [SSD_ANCHORS], doc: 'face probability per anchor (sigmoid); face-api keeps > 0.5 and applies NMS with IoU 0.5 (not in the graph)' },
      ],
    },
    build: buildSsdMobilenetv1,
  },
  {
    id: 'face-landmark-68',
    weights: 'face_landmark_68_model',
    description: 'face-api FaceLandmark68Net: 68 facial landmarks (dense-block CNN)',
    license: FACE_API_MIT,
    io: {
      inputs: cropInput(FACE_CROP_SIZE, 'face crop (face-api pads the detection box to a square, centred)'),
      outputs: [{ name: 'landmarks', shape: ['batch', 68, 2], doc: 'iBUG 68-point order (0–16 jaw, 17–26 brows, 27–35 nose, 36–47 eyes, 48–67 mouth); x, y as fractions 0..1 of the crop' }],
    },
    build: (w, o) => buildFaceLandmark68(w, o, false),
  },
  {
    id: 'face-landmark-68-tiny',
    weights: 'face_landmark_68_tiny_model',
    description: 'face-api FaceLandmark68TinyNet: 68 facial landmarks, smaller and less precise',
    license: FACE_API_MIT,
    io: {
      inputs: cropInput(FACE_CROP_SIZE, 'face crop (face-api pads the detection box to a square, centred)'),
      outputs: [{ name: 'landmarks', shape: ['batch', 68, 2], doc: 'iBUG 68-point order; x, y as fractions 0..1 of the crop' }],
    },
    build: (w, o) => buildFaceLandmark68(w, o, true),
  },
  {
    id: 'age-gender',
    weights: 'age_gender_model',
    description: 'face-api AgeGenderNet (TinyXception): age regression and gender classification',
    license: `${FACE_API_MIT}; trained on UTK, FGNET, Chalearn, Wiki, IMDB, CACD, MegaAge (their own terms)`,
    io: {
      inputs: cropInput(FACE_CROP_SIZE, 'face crop'),
      outputs: [
        { name: 'age', shape: ['batch'], doc: 'estimated age in years (regression, unclamped)' },
        { name: 'gender', shape: ['batch', 2], doc: 'softmax probabilities: [male, female]' },
      ],
    },
    build: buildAgeGender,
  },
  {
    id: 'face-expression',
    weights: 'face_expression_model',
    description: 'face-api FaceExpressionNet: 7 facial expressions',
    license: `${FACE_API_MIT}; trained on public datasets and web images`,
    io: {
      inputs: cropInput(FACE_CROP_SIZE, 'face crop'),
      outputs: [{ name: 'expressions', shape: ['batch', FACE_EXPRESSIONS.length], doc: `softmax probabilities in this order: ${FACE_EXPRESSIONS.join(', ')}` }],
    },
    build: buildFaceExpression,
  },
  {
    id: 'tiny-face-detector',
    weights: 'tiny_face_detector_model',
    description: `face-api TinyFaceDetector (YOLOv2-style, ${TINY_FACE_DETECTOR_SIZE}²), grid decoding in the graph, no NMS`,
    license: FACE_API_MIT,
    io: {
      inputs: [{ name: 'image', shape: [1, TINY_FACE_DETECTOR_SIZE, TINY_FACE_DETECTOR_SIZE, 3], doc: `${RGB_DOC}; ${TINY_FACE_DETECTOR_SIZE}×${TINY_FACE_DETECTOR_SIZE}, batch 1` }],
      outputs: [
        { name: 'boxes', shape: [tinyCount, 4], doc: `one box per grid cell and anchor (${tinyGridSize(TINY_FACE_DETECTOR_SIZE)}² cells × 5 anchors, row-major, anchor fastest): x1, y1, x2, y2 as fractions 0..1 of the input, clipped to 0..1` },
        { name: 'scores', shape: [tinyCount], doc: 'objectness (sigmoid) per box; face-api keeps > 0.5 and applies NMS with IoU 0.4 (not in the graph)' },
      ],
    },
    build: buildTinyFaceDetector,
  },
];

export class UnknownFaceApiModelError extends Error {
  override readonly name = 'UnknownFaceApiModelError';
}

/** Converts one model from the installed weights with explicit options (measure.ts compares them). */
export async function convertFaceApiModel(id: string, options: LayerOptions = DEFAULT_LAYER_OPTIONS): Promise<Uint8Array> {
  const model = MODELS.find((m) => m.id === id);
  if (!model) throw new UnknownFaceApiModelError(`unknown face-api model ${id}`);
  return model.build(await loadFaceApiWeights(model.weights), options);
}

export const faceApiModels: ModelSpec[] = MODELS.map((m) => ({
  id: m.id,
  description: m.description,
  license: m.license,
  sourcePackage: '@vladmandic/face-api',
  sourceFiles: [manifestPath(m.weights), `model/${m.weights}.bin`],
  converterVersion: 1,
  io: m.io,
  convert: () => convertFaceApiModel(m.id),
}));
