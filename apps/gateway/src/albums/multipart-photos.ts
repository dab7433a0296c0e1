/**
 * The studio's multipart photo upload, streamed: each `files` part is piped straight into the
 * album service (and from there into the blob store) as busboy reads it; nothing is held whole.
 * A part that is not an image or is over the size limit is rejected on its own; the others go on.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import { InvalidParameterError } from '@facerec/core';
import type { AlbumImage } from '@facerec/albums';
import { toWireError } from '../errors.js';

export interface RejectedPhoto {
  name: string;
  code: string;
  message: string;
}

export interface PhotoUploadResult {
  accepted: AlbumImage[];
  rejected: RejectedPhoto[];
  /** The first server-side failure (blob store or queue down), when one happened. */
  fault?: unknown;
}

export interface PhotoUploadOptions {
  /** Largest photo; the service refuses bigger ones, busboy stops reading one byte past it. */
  limitBytes: number;
  maxFiles: number;
  upload(file: { name: string | null; contentType: string | null; stream: Readable }): Promise<AlbumImage>;
}

const FILE_FIELDS = new Set(['files', 'files[]', 'file']);

type Outcome = { image: AlbumImage } | { rejected: RejectedPhoto; error: unknown };

export function receivePhotos(req: IncomingMessage, options: PhotoUploadOptions): Promise<PhotoUploadResult> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: options.limitBytes + 1, files: options.maxFiles, fields: 20, fieldSize: 64 * 1024 } });
    } catch (error) {
      reject(new InvalidParameterError(`Request has invalid parameters: send multipart/form-data with "files" parts (${error instanceof Error ? error.message : String(error)})`));
      return;
    }
    const outcomes: Promise<Outcome>[] = [];
    let tooMany = false;
    parser.on('file', (field, file, info) => {
      if (!FILE_FIELDS.has(field)) {
        // Drained, not read; a cut-off body still errors this stream, which must not go unhandled.
        file.on('error', () => undefined);
        file.resume();
        return;
      }
      outcomes.push(receiveOne(file, info, options));
    });
    parser.on('filesLimit', () => {
      tooMany = true;
    });
    parser.on('error', (error) => {
      req.unpipe(parser);
      req.resume();
      // Answer once the uploads in flight have failed and removed their partial files.
      void Promise.allSettled(outcomes).then(() => reject(error));
    });
    parser.on('close', () => {
      Promise.all(outcomes).then((all) => resolve(summarize(all, tooMany, options.maxFiles)), reject);
    });
    req.pipe(parser);
  });
}

/**
 * Pipes (rather than hands over) busboy's stream: if the upload fails part-way, the pipe is
 * undone and the rest of the part drained, because a file stream left unread stalls busboy.
 */
async function receiveOne(file: Readable, info: busboy.FileInfo, options: PhotoUploadOptions): Promise<Outcome> {
  const name = info.filename || null;
  const body = new PassThrough();
  // A body cut off mid-part makes busboy destroy the part's stream with "Unexpected end of form":
  // pipe() does not forward that error, and unhandled it would crash the process. Fail the upload.
  // The upload sees that error through `body`; once the upload has given up, nobody else listens.
  file.once('error', (error) => body.destroy(error));
  body.on('error', () => undefined);
  file.pipe(body);
  try {
    const image = await options.upload({ name, contentType: info.mimeType || null, stream: body });
    return { image };
  } catch (error) {
    file.unpipe(body);
    file.resume();
    const wire = toWireError(error);
    return { rejected: { name: name ?? '', code: wire.name, message: wire.message }, error };
  }
}

function summarize(all: readonly Outcome[], tooMany: boolean, maxFiles: number): PhotoUploadResult {
  const result: PhotoUploadResult = { accepted: [], rejected: [] };
  for (const o of all) {
    if ('image' in o) {
      result.accepted.push(o.image);
      continue;
    }
    result.rejected.push(o.rejected);
    if (result.fault === undefined && toWireError(o.error).fault) result.fault = o.error;
  }
  if (tooMany) result.rejected.push({ name: '', code: 'InvalidParameterException', message: `At most ${maxFiles} files per request; send the rest in another request` });
  return result;
}
