/** One file, one multipart POST: XHR because fetch cannot report upload progress. */
import type { UploadOutcome } from '../../src/lib/upload-queue.js';
import type { StudioApi, UploadResult } from '../../src/lib/api.js';

export function uploadPhoto(api: StudioApi, albumId: string, file: File, onProgress: (loaded: number) => void): Promise<UploadOutcome> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', api.albumPath(albumId, '/photos'));
    xhr.setRequestHeader('authorization', api.authorization());
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('Network error'));
    xhr.ontimeout = () => reject(new Error('Timed out'));
    xhr.onabort = () => reject(new Error('Aborted'));
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status === 201 || xhr.status === 200) {
        const result = body as UploadResult | undefined;
        const rejected = result?.rejected?.[0];
        resolve(rejected ? { kind: 'rejected', reason: rejected.message } : { kind: 'done' });
      } else if (xhr.status === 413 || xhr.status === 415 || xhr.status === 400) {
        resolve({ kind: 'rejected', reason: messageOf(body) ?? `Refused (HTTP ${xhr.status})` });
      } else {
        // 401/404/409 will not get better by themselves either, but a retry button costs nothing.
        reject(new Error(messageOf(body) ?? `HTTP ${xhr.status}`));
      }
    };
    const form = new FormData();
    form.append('files', file, file.name);
    xhr.send(form);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  return undefined;
}
