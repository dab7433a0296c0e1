/**
 * The studio's uploads: DirectUploads asks for slots and confirms in batches; each file's bytes are
 * PUT with XHR (fetch cannot report upload progress) straight to S3 when the store gives presigned
 * URLs, else to the gateway's own upload route with the studio's key.
 */
import { ApiError, type StudioApi } from '../../src/lib/api.js';
import { DirectUploads, RefusedUpload, type PreparedUpload, type PutOutcome } from '../../src/lib/direct-upload.js';

/** Answers that retrying will not change: the file is refused (too large, not an image, bad request). */
const REFUSALS = new Set([400, 413, 415]);

export function studioUploads(api: StudioApi, albumId: string): DirectUploads<File> {
  return new DirectUploads<File>({
    describe: (file) => ({ name: file.name, size: file.size, ...(file.type ? { contentType: file.type } : {}) }),
    api: {
      prepare: async (files) => {
        try {
          return (await api.prepareUploads(albumId, files)).uploads;
        } catch (error) {
          throw error instanceof ApiError && REFUSALS.has(error.status) ? new RefusedUpload(error.message) : error;
        }
      },
      complete: (uploads) => api.completeUploads(albumId, uploads),
    },
    put: (slot, file, onProgress) => putFile(api, slot, file, onProgress),
  });
}

function putFile(api: StudioApi, slot: PreparedUpload, file: File, onProgress: (loaded: number) => void): Promise<PutOutcome> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(slot.method, slot.url);
    for (const [name, value] of Object.entries(slot.headers)) xhr.setRequestHeader(name, value);
    // Only our own gateway gets the key; a presigned URL carries its own authorisation.
    if (isSameOrigin(slot.url)) xhr.setRequestHeader('authorization', api.authorization());
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('Network error'));
    xhr.ontimeout = () => reject(new Error('Timed out'));
    xhr.onabort = () => reject(new Error('Aborted'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve({ kind: 'stored' });
      else if (xhr.status === 403 && !isSameOrigin(slot.url)) resolve({ kind: 'expired' });
      else if (REFUSALS.has(xhr.status)) resolve({ kind: 'rejected', reason: messageOf(xhr.responseText) ?? `Refused (HTTP ${xhr.status})` });
      else reject(new Error(messageOf(xhr.responseText) ?? `HTTP ${xhr.status}`));
    };
    xhr.send(file);
  });
}

function isSameOrigin(url: string): boolean {
  return new URL(url, location.href).origin === location.origin;
}

/** The gateway answers JSON `{ message }`; S3 answers XML `<Message>`. */
function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  } catch {
    const xml = /<Message>([^<]*)<\/Message>/.exec(text);
    if (xml) return xml[1];
  }
  return undefined;
}
