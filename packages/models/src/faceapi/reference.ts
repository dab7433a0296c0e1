/**
 * Test support: the ORIGINAL face-api networks (its "esm-nobundle" build) running on the pure-JS
 * tfjs CPU backend, loaded from the same weight manifests our converter reads.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerHooks } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';
import { packageFile } from '../spec.js';
import { manifestPath, type FaceApiModelName } from './weights.js';

export type Tf = typeof Tfjs;
export type Tensor = Tfjs.Tensor;

/** Inputs a face-api net accepts: one NHWC image with batch 1, or several HWC images. */
export type NetInput = Tfjs.Tensor4D | Tfjs.Tensor3D[];

interface Loadable {
  loadFromWeightMap(weightMap: Tfjs.NamedTensorMap): void;
}
export interface ForwardNet<T> extends Loadable {
  forward(input: NetInput): Promise<T>;
}
export interface SizedForwardNet<T> extends Loadable {
  forward(input: NetInput, inputSize: number): Promise<T>;
}

export interface FaceApi {
  tf: Tf;
  FaceRecognitionNet: new () => ForwardNet<Tfjs.Tensor2D>;
  SsdMobilenetv1: new () => ForwardNet<{ boxes: Tfjs.Tensor2D[]; scores: Tfjs.Tensor1D[] }>;
  FaceLandmark68Net: new () => ForwardNet<Tfjs.Tensor2D>;
  FaceLandmark68TinyNet: new () => ForwardNet<Tfjs.Tensor2D>;
  AgeGenderNet: new () => ForwardNet<{ age: Tfjs.Tensor1D; gender: Tfjs.Tensor2D }>;
  FaceExpressionNet: new () => ForwardNet<Tfjs.Tensor2D>;
  TinyFaceDetector: new () => SizedForwardNet<Tfjs.Tensor4D>;
}

// The nobundle build imports tfjs's ESM entry (extension-less imports that Node cannot load) and
// the webgl/wasm backends (wasm is not installed). Point tfjs at its CommonJS entry and stub the
// GPU/wasm backends: only the pure-JS CPU backend runs.
const BACKEND_STUBS = new Set(['@tensorflow/tfjs-backend-wasm/dist/index.js', '@tensorflow/tfjs-backend-webgl/dist/index.js']);
let hooksRegistered = false;
let faceApi: Promise<FaceApi> | undefined;

function registerResolveHooks(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (BACKEND_STUBS.has(specifier)) return { url: 'data:text/javascript,export{}', format: 'module', shortCircuit: true };
      if (specifier === '@tensorflow/tfjs/dist/index.js') return next('@tensorflow/tfjs', context);
      return next(specifier, context);
    },
  });
}

export function loadFaceApi(): Promise<FaceApi> {
  faceApi ??= (async () => {
    registerResolveHooks();
    const specifier = '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
    const mod = (await import(specifier)) as unknown as FaceApi;
    await mod.tf.setBackend('cpu');
    await mod.tf.ready();
    return mod;
  })();
  return faceApi;
}

/** tfjs's own decoding of a face-api weight manifest (independent of our loader). */
export async function referenceWeightMap(tf: Tf, model: FaceApiModelName): Promise<Tfjs.NamedTensorMap> {
  const manifestFile = packageFile('@vladmandic/face-api', manifestPath(model));
  const groups = JSON.parse(await readFile(manifestFile, 'utf8')) as { paths: string[]; weights: Tfjs.io.WeightsManifestEntry[] }[];
  const map: Tfjs.NamedTensorMap = {};
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(path.dirname(manifestFile), p))));
    const buffers = shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    Object.assign(map, tf.io.decodeWeights(buffers, group.weights));
  }
  return map;
}

/** A face-api net with the given weights loaded. */
export async function referenceNet<N extends Loadable>(ctor: new () => N, model: FaceApiModelName): Promise<N> {
  const { tf } = await loadFaceApi();
  const net = new ctor();
  net.loadFromWeightMap(await referenceWeightMap(tf, model));
  return net;
}

/** Splits an NHWC batch into the HWC images face-api takes as a batch. */
export function toNetInput(tf: Tf, data: Float32Array, batch: number, height: number, width: number): NetInput {
  const images = tf.tensor4d(data, [batch, height, width, 3]);
  if (batch === 1) return images;
  const list = tf.unstack(images) as Tfjs.Tensor3D[];
  images.dispose();
  return list;
}
