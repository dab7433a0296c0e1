/**
 * The bad-input corpus of issue 8: one table per kind of input.
 *
 * - IMAGE_CASES: image bytes pushed through every image operation of both APIs (AWS JSON:
 *   DetectFaces, IndexFaces, SearchFacesByImage, CompareFaces; REST: detect-faces, index-faces,
 *   search-faces) and through the album upload. Each names the Rekognition error every image
 *   operation must answer, or that the image is processed (with the face count DetectFaces must
 *   find and, for EXIF orientations, the box in the upright image's coordinates).
 * - AWS_CASES: hand-signed AWS JSON requests the SDK would never send (protocol level).
 * - REST_CASES: REST requests with broken forms, fields and headers.
 * Expected error names and limits come from /work/shared/reference/rekognition/.
 */
import * as img from './images.js';

export type ErrorName =
  | 'InvalidImageFormatException'
  | 'ImageTooLargeException'
  | 'InvalidParameterException'
  | 'InvalidS3ObjectException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'UnrecognizedClientException';

/** The REST status each error name answers with (apps/gateway/src/errors.ts). */
export const REST_STATUS: Record<ErrorName, number> = {
  InvalidImageFormatException: 415,
  ImageTooLargeException: 413,
  InvalidParameterException: 400,
  InvalidS3ObjectException: 400,
  SerializationException: 400,
  UnknownOperationException: 404,
  UnrecognizedClientException: 401,
};

/** What every image operation answers: an error, or the image is processed. */
export type ImageExpect =
  | { error: ErrorName }
  | {
      /** Faces DetectFaces finds (0: search and compare answer InvalidParameterException, "no face"). */
      faces: number;
      /** Boxes must match the upright face's (EXIF orientation applied before detection). */
      upright?: boolean;
      orientationCorrection?: 'ROTATE_0' | 'ROTATE_90' | 'ROTATE_180' | 'ROTATE_270';
    };

/** What the album upload does with the file: refused at once, or stored and then indexed or failed by the worker. */
export type AlbumExpect = { rejected: ErrorName } | { indexed: number } | { failed: 'InvalidImageFormat' | 'ImageTooLarge' };

export interface ImageCase {
  name: string;
  /** The file name sent in multipart uploads. */
  file: string;
  make(): Promise<Uint8Array> | Uint8Array;
  expect: ImageExpect;
  album: AlbumExpect;
}

const INVALID_FORMAT = { error: 'InvalidImageFormatException' } as const;
const TOO_SMALL = { error: 'InvalidParameterException' } as const;
const ONE_FACE = { faces: 1 } as const;
const EXIF_CORRECTION = { 1: undefined, 2: undefined, 3: 'ROTATE_180', 4: 'ROTATE_180', 5: 'ROTATE_90', 6: 'ROTATE_90', 7: 'ROTATE_270', 8: 'ROTATE_270' } as const;

export const IMAGE_CASES: readonly ImageCase[] = [
  // empty and not images at all
  { name: 'zero bytes', file: 'empty.jpg', make: () => new Uint8Array(0), expect: { error: 'InvalidParameterException' }, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'text file named .jpg', file: 'notes.jpg', make: () => img.fixture('notes.jpg'), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'random bytes', file: 'noise.jpg', make: () => img.noise(4096), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'SVG drawing', file: 'drawing.svg', make: () => img.fixture('drawing.svg'), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'PDF document', file: 'document.pdf', make: () => img.fixture('document.pdf'), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'HEIC ftyp header', file: 'photo.heic', make: () => img.heicHeader(), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  // broken JPEG and PNG
  { name: 'JPEG start-of-image only', file: 'soi.jpg', make: () => img.jpegHeaderOnly().subarray(0, 2), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'JPEG header without image data', file: 'header.jpg', make: () => img.jpegHeaderOnly(), expect: INVALID_FORMAT, album: { failed: 'InvalidImageFormat' } },
  { name: 'truncated JPEG (60 %)', file: 'truncated.jpg', make: () => img.truncated('jpeg', 0.6), expect: INVALID_FORMAT, album: { failed: 'InvalidImageFormat' } },
  { name: 'truncated PNG (60 %)', file: 'truncated.png', make: () => img.truncated('png', 0.6), expect: INVALID_FORMAT, album: { failed: 'InvalidImageFormat' } },
  { name: 'JPEG with a corrupt Huffman table', file: 'huffman.jpg', make: () => img.corruptHuffman(), expect: INVALID_FORMAT, album: { failed: 'InvalidImageFormat' } },
  { name: 'PNG with a bad IDAT CRC', file: 'crc.png', make: () => img.pngBadCrc(), expect: INVALID_FORMAT, album: { failed: 'InvalidImageFormat' } },
  // formats Rekognition does not take
  { name: 'animated GIF', file: 'animated.gif', make: () => img.animatedGif(), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'animated WebP', file: 'animated.webp', make: () => img.animatedWebp(), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'still WebP', file: 'still.webp', make: () => img.stillWebp(), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  { name: 'TIFF', file: 'photo.tiff', make: () => img.tiff(), expect: INVALID_FORMAT, album: { rejected: 'InvalidImageFormatException' } },
  // odd but valid JPEG/PNG: processed like the plain photo
  { name: 'CMYK JPEG', file: 'cmyk.jpg', make: () => img.cmykJpeg(), expect: ONE_FACE, album: { indexed: 1 } },
  { name: '16-bit PNG', file: 'deep.png', make: () => img.png16(), expect: ONE_FACE, album: { indexed: 1 } },
  { name: 'PNG with alpha', file: 'alpha.png', make: () => img.pngAlpha(), expect: ONE_FACE, album: { indexed: 1 } },
  { name: 'greyscale JPEG', file: 'grey.jpg', make: () => img.greyJpeg(), expect: ONE_FACE, album: { indexed: 1 } },
  { name: 'greyscale PNG', file: 'grey.png', make: () => img.greyPng(), expect: ONE_FACE, album: { indexed: 1 } },
  // sizes
  { name: '1×1 PNG', file: 'pixel.png', make: () => img.blank(1, 1, 'png'), expect: TOO_SMALL, album: { indexed: 0 } },
  { name: '79×200 JPEG (under 80 px wide)', file: 'narrow.jpg', make: () => img.blank(79, 200), expect: TOO_SMALL, album: { indexed: 0 } },
  { name: '200×79 PNG (under 80 px high)', file: 'flat.png', make: () => img.blank(200, 79, 'png'), expect: TOO_SMALL, album: { indexed: 0 } },
  { name: '80×80 JPEG (smallest allowed, no face)', file: 'small.jpg', make: () => img.blank(80, 80), expect: { faces: 0 }, album: { indexed: 0 } },
  { name: '60000×60000 PNG decompression bomb', file: 'bomb.png', make: () => img.pngBomb(), expect: { error: 'ImageTooLargeException' }, album: { failed: 'ImageTooLarge' } },
  { name: '5 MB JPEG (exactly the limit)', file: 'limit.jpg', make: () => img.paddedTo(5 * 1024 * 1024), expect: ONE_FACE, album: { indexed: 1 } },
  { name: '6 MB JPEG (over the 5 MB limit)', file: 'big.jpg', make: () => img.paddedTo(6_000_000), expect: { error: 'ImageTooLargeException' }, album: { indexed: 1 } },
  // EXIF orientations: the face is found, boxed in the upright picture's coordinates
  ...([1, 2, 3, 4, 5, 6, 7, 8] as const).map((o): ImageCase => ({
    name: `EXIF orientation ${o}`,
    file: `exif-${o}.jpg`,
    make: () => img.exifOriented(o),
    expect: { faces: 1, upright: true, ...(EXIF_CORRECTION[o] ? { orientationCorrection: EXIF_CORRECTION[o] } : {}) },
    album: { indexed: 1 },
  })),
];

/** A hand-signed AWS JSON call and the error it must answer (or `ok`: 200). */
export interface AwsCase {
  name: string;
  operation: string;
  /** The raw body; a function gets a valid base64 face image to build on. */
  body: string | ((faceBase64: string) => string);
  expect: ErrorName | 'ok';
  /** The error's Message must name this (the field at fault), so a case cannot pass for another reason. */
  mentions?: string;
}

const op = (name: string, operation: string, body: AwsCase['body'], expect: AwsCase['expect'], mentions?: string): AwsCase => ({ name, operation, body, expect, ...(mentions ? { mentions } : {}) });
const detect = (face: string, extra = ''): string => `{"Image":{"Bytes":"${face}"}${extra}}`;
const IP = 'InvalidParameterException';

export const AWS_CASES: readonly AwsCase[] = [
  op('malformed JSON', 'DetectFaces', '{"Image": {"Bytes": "', 'SerializationException'),
  op('JSON array instead of an object', 'DetectFaces', '[1, 2, 3]', 'SerializationException'),
  op('JSON string instead of an object', 'DetectFaces', '"DetectFaces"', 'SerializationException'),
  op('100,000-deep nested arrays', 'DetectFaces', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'SerializationException'),
  op('empty body (Image missing)', 'DetectFaces', '', IP, 'Image'),
  op('wrong type: Image is a string', 'DetectFaces', '{"Image": "photo.jpg"}', IP, 'Image'),
  op('wrong type: Image.Bytes is a number', 'DetectFaces', '{"Image": {"Bytes": 12345}}', IP, 'Image.Bytes'),
  op('wrong type: CollectionId is a number', 'CreateCollection', '{"CollectionId": 42}', IP, 'CollectionId'),
  op('wrong type: MaxFaces is a string', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"MaxFaces":"10"}`, IP, 'MaxFaces'),
  op('wrong type: Attributes is a string', 'DetectFaces', (f) => detect(f, ',"Attributes":"ALL"'), IP, 'Attributes'),
  op('unknown attribute name', 'DetectFaces', (f) => detect(f, ',"Attributes":["BOGUS"]'), IP, 'Attributes'),
  op('unknown QualityFilter', 'IndexFaces', (f) => `{"CollectionId":"bad","Image":{"Bytes":"${f}"},"QualityFilter":"SUPER"}`, IP, 'QualityFilter'),
  op('unknown fields are ignored (forward compatibility)', 'DetectFaces', (f) => `{"Image":{"Bytes":"${f}","Color":"red"},"Future":{"x":1},"Attributes":["DEFAULT"]}`, 'ok'),
  op('CollectionId with a slash', 'CreateCollection', '{"CollectionId": "a/b"}', IP, 'CollectionId'),
  op('CollectionId with path traversal', 'CreateCollection', '{"CollectionId": "../../etc"}', IP, 'CollectionId'),
  op('CollectionId empty', 'CreateCollection', '{"CollectionId": ""}', IP, 'CollectionId'),
  op('CollectionId of 256 characters', 'CreateCollection', `{"CollectionId": "${'c'.repeat(256)}"}`, IP, 'CollectionId'),
  op('CollectionId with non-ASCII letters', 'CreateCollection', '{"CollectionId": "événement"}', IP, 'CollectionId'),
  op('CollectionId with a NUL byte', 'CreateCollection', '{"CollectionId": "a\\u0000b"}', IP, 'CollectionId'),
  op('FaceId that is not a UUID', 'SearchFaces', '{"CollectionId": "good", "FaceId": "1234"}', IP, 'FaceId'),
  op('FaceId in upper case', 'SearchFaces', '{"CollectionId": "good", "FaceId": "0A0B0C0D-0000-4000-8000-000000000000"}', IP, 'FaceId'),
  op('UserId with a space', 'CreateUser', '{"CollectionId": "good", "UserId": "John Smith"}', IP, 'UserId'),
  op('ExternalImageId with path traversal', 'IndexFaces', (f) => `{"CollectionId":"bad","Image":{"Bytes":"${f}"},"ExternalImageId":"../../etc/passwd"}`, IP, 'ExternalImageId'),
  op('ExternalImageId of 256 characters', 'IndexFaces', (f) => `{"CollectionId":"bad","Image":{"Bytes":"${f}"},"ExternalImageId":"${'e'.repeat(256)}"}`, IP, 'ExternalImageId'),
  op('IndexFaces MaxFaces 0', 'IndexFaces', (f) => `{"CollectionId":"bad","Image":{"Bytes":"${f}"},"MaxFaces":0}`, IP, 'MaxFaces'),
  op('IndexFaces MaxFaces 5000 (no upper bound; at most 100 are indexed)', 'IndexFaces', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"MaxFaces":5000,"ExternalImageId":"max-faces-5000"}`, 'ok'),
  op('SearchFacesByImage MaxFaces 0', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"MaxFaces":0}`, IP, 'MaxFaces'),
  op('SearchFacesByImage MaxFaces 5000', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"MaxFaces":5000}`, IP, 'MaxFaces'),
  op('SearchFacesByImage MaxFaces 1.5', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"MaxFaces":1.5}`, IP, 'MaxFaces'),
  op('SearchFaces MaxFaces 5000', 'SearchFaces', '{"CollectionId":"good","FaceId":"0a0b0c0d-0000-4000-8000-000000000000","MaxFaces":5000}', IP, 'MaxFaces'),
  op('FaceMatchThreshold -1', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"FaceMatchThreshold":-1}`, IP, 'FaceMatchThreshold'),
  op('FaceMatchThreshold 101', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"FaceMatchThreshold":101}`, IP, 'FaceMatchThreshold'),
  op('FaceMatchThreshold 1e400 (Infinity)', 'SearchFacesByImage', (f) => `{"CollectionId":"good","Image":{"Bytes":"${f}"},"FaceMatchThreshold":1e400}`, IP, 'FaceMatchThreshold'),
  op('SimilarityThreshold -1', 'CompareFaces', (f) => `{"SourceImage":{"Bytes":"${f}"},"TargetImage":{"Bytes":"${f}"},"SimilarityThreshold":-1}`, IP, 'SimilarityThreshold'),
  op('SimilarityThreshold 101', 'CompareFaces', (f) => `{"SourceImage":{"Bytes":"${f}"},"TargetImage":{"Bytes":"${f}"},"SimilarityThreshold":101}`, IP, 'SimilarityThreshold'),
  op('base64 with characters outside the alphabet', 'DetectFaces', '{"Image": {"Bytes": "!!!!not base64!!!!"}}', IP, 'base64'),
  op('base64 with a data: URL prefix', 'DetectFaces', (f) => `{"Image":{"Bytes":"data:image/jpeg;base64,${f}"}}`, IP, 'base64'),
  op('base64 with broken padding', 'DetectFaces', '{"Image": {"Bytes": "QUJD="}}', IP, 'base64'),
  op('base64url alphabet', 'DetectFaces', '{"Image": {"Bytes": "_-_-"}}', IP, 'base64'),
  op('Bytes and S3Object together', 'DetectFaces', (f) => `{"Image":{"Bytes":"${f}","S3Object":{"Bucket":"b","Name":"n.jpg"}}}`, IP, 'S3Object'),
  // Read from the blob store with names relative to the studio's root: escaping names are unreadable objects.
  op('S3Object with path traversal', 'DetectFaces', '{"Image": {"S3Object": {"Bucket": "facerec", "Name": "../../etc/passwd"}}}', 'InvalidS3ObjectException', 'S3'),
  op('S3Object in another bucket', 'DetectFaces', '{"Image": {"S3Object": {"Bucket": "..", "Name": "photo.jpg"}}}', 'InvalidS3ObjectException', 'S3'),
  op('unknown operation', 'DetectLabels', '{}', 'UnknownOperationException', 'DetectLabels'),
];

/** Long headers: under Node's 16 KB header limit they reach the routes; over it Node answers 431. */
export const LONG_HEADER_BYTES = 8 * 1024;
export const HUGE_HEADER_BYTES = 64 * 1024;
