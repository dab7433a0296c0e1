/**
 * The studio dashboard: sign in with the API key (sessionStorage only), albums, uploads, live
 * processing progress, failed photos, album photos with faces, people, and the share panel.
 * Routes live in the hash (#/albums/<id>) so the gateway serves one HTML file.
 */
import { ApiError, looksLikeApiKey, StudioApi, type Album, type AlbumImage, type AlbumProgress } from '../../src/lib/api.js';
import { encodeQr, qrToSvg } from '../../src/lib/qr.js';
import { UploadQueue, type UploadItem } from '../../src/lib/upload-queue.js';
import { count, faceBox, formatBytes, formatDuration, h, percent, progressBar, replaceChildren } from '../shared/dom.js';
import { filesFromDrop, isProbablyImage } from './files.js';
import { studioUploads } from './upload.js';

const KEY_STORAGE = 'facerec.studio.key';
const root = document.getElementById('app') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;

/** Everything the current view started (event streams, object URLs) and must stop on leaving. */
let viewCleanup: (() => void)[] = [];

function announce(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? `Network error: ${error.message}` : `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

function currentApi(): StudioApi | undefined {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? new StudioApi(key) : undefined;
}

function leaveView(): void {
  for (const stop of viewCleanup) stop();
  viewCleanup = [];
}

async function render(): Promise<void> {
  leaveView();
  const api = currentApi();
  renderHeader(api !== undefined);
  if (!api) return renderSignIn();
  const match = /^#\/albums\/([^/]+)$/.exec(location.hash);
  try {
    if (match) await renderAlbum(api, decodeURIComponent(match[1]));
    else await renderAlbums(api);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      announce('Your API key was not accepted. Please sign in again.', true);
      return render();
    }
    announce(describeError(error), true);
  }
}

function renderHeader(signedIn: boolean): void {
  const nav = document.getElementById('nav') as HTMLElement;
  replaceChildren(
    nav,
    signedIn && h('a', { href: '#/' }, 'Albums'),
    signedIn &&
      h('button', {
        type: 'button',
        class: 'link-button',
        onclick: () => {
          sessionStorage.removeItem(KEY_STORAGE);
          location.hash = '#/';
          void render();
        },
      }, 'Sign out'),
  );
}

function renderSignIn(): void {
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'api-key-help' });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to your studio'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'api-key-help', class: 'hint' }, 'Paste your key as accessKeyId:secret. It stays in this browser tab only and is forgotten when you close it.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!looksLikeApiKey(key)) {
      announce('That does not look like an API key: expected accessKeyId:secret.', true);
      input.focus();
      return;
    }
    void new StudioApi(key).listAlbums().then(
      () => {
        sessionStorage.setItem(KEY_STORAGE, key);
        announce('Signed in.');
        void render();
      },
      (error: unknown) => {
        announce(error instanceof ApiError && error.status === 401 ? 'That API key was not accepted.' : describeError(error), true);
        input.focus();
      },
    );
  });
  replaceChildren(root, form);
  input.focus();
}

function albumState(p: AlbumProgress): string {
  if (p.total === 0) return 'Empty';
  if (!p.done) return `Processing ${percent((p.indexed + p.failed) / p.total)} %`;
  return p.failed > 0 ? `Ready, ${p.failed} failed` : 'Ready';
}

async function renderAlbums(api: StudioApi): Promise<void> {
  const albums = await api.listAlbums();
  const nameInput = h('input', { id: 'album-name', name: 'album-name', required: true, maxlength: 200, autocomplete: 'off' });
  const create = h('form', { class: 'inline-form', 'aria-label': 'Create an album' },
    h('label', { for: 'album-name' }, 'New album name'),
    nameInput,
    h('button', { type: 'submit', class: 'primary' }, 'Create album'),
  );
  create.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) return;
    void api.createAlbum(name).then(
      (album) => {
        announce(`Album “${album.name}” created.`);
        location.hash = `#/albums/${encodeURIComponent(album.albumId)}`;
      },
      (error: unknown) => announce(describeError(error), true),
    );
  });
  const rows = albums.map((album) =>
    h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `#/albums/${encodeURIComponent(album.albumId)}` }, album.name)),
      h('td', {}, album.progress.total),
      h('td', {}, album.progress.faces),
      h('td', {}, albumState(album.progress)),
      h('td', {}, new Date(album.createdAt).toLocaleDateString()),
    ),
  );
  replaceChildren(root,
    h('h1', {}, 'Albums'),
    create,
    albums.length === 0
      ? h('p', { class: 'empty' }, 'No albums yet. Create one to start uploading.')
      : h('table', { class: 'albums' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Album'), h('th', { scope: 'col' }, 'Photos'), h('th', { scope: 'col' }, 'Faces'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Created'))),
          h('tbody', {}, rows),
        ),
  );
}

async function renderAlbum(api: StudioApi, albumId: string): Promise<void> {
  const album = await api.getAlbum(albumId);
  document.title = `${album.name} · facerec studio`;
  const photos = h('section', { class: 'card', 'aria-labelledby': 'photos-title' });
  const people = h('section', { class: 'card', 'aria-labelledby': 'people-title' });
  const failed = h('section', { class: 'card', 'aria-labelledby': 'failed-title', hidden: true });
  const refreshers = { photos: () => loadPhotos(api, album, photos), people: () => loadPeople(api, album, people), failed: () => loadFailed(api, album, failed) };
  replaceChildren(root,
    h('p', {}, h('a', { href: '#/' }, '← All albums')),
    h('h1', {}, album.name),
    h('div', { class: 'album-grid' },
      h('div', {}, progressSection(api, album, refreshers), uploadSection(api, album), failed),
      sharePanel(api, album),
    ),
    photos,
    people,
  );
  await Promise.all([refreshers.photos(), refreshers.people(), refreshers.failed()]);
}

function progressSection(api: StudioApi, album: Album, refresh: { photos(): Promise<void>; people(): Promise<void>; failed(): Promise<void> }): HTMLElement {
  const bar = progressBar('Processing progress', 'processing-progress');
  const details = h('p', { class: 'hint', 'data-testid': 'processing-details' });
  const section = h('section', { class: 'card', 'aria-labelledby': 'progress-title' }, h('h2', { id: 'progress-title' }, 'Processing'), bar.el, details);
  let last = album.progress;
  const show = (p: AlbumProgress) => {
    const finished = p.indexed + p.failed;
    const fraction = p.total === 0 ? 0 : finished / p.total;
    bar.set(fraction, p.total === 0 ? 'No photos yet' : `${finished} / ${count(p.total, 'photo')} · ${percent(fraction)} %`);
    const parts = [`${p.indexed} indexed`, `${p.failed} failed`, `${p.queued} queued`, `${p.processing} processing`, `${p.faces} faces`];
    if (p.imagesPerSecond) parts.push(`${p.imagesPerSecond.toFixed(1)} photos/s`);
    if (!p.done && p.etaSeconds !== null) parts.push(`about ${formatDuration(p.etaSeconds)} left`);
    details.textContent = parts.join(' · ');
    if (p.indexed !== last.indexed || p.failed !== last.failed) {
      void refresh.photos();
      if (p.done) void refresh.people();
      if (p.failed !== last.failed) void refresh.failed();
    }
    last = p;
  };
  show(album.progress);
  followWithReconnect(api, album.albumId, show);
  return section;
}

/** The stream drops with proxies and sleeping laptops: reconnect with back-off while the view is open. */
function followWithReconnect(api: StudioApi, albumId: string, onProgress: (p: AlbumProgress) => void): void {
  const controller = new AbortController();
  viewCleanup.push(() => controller.abort());
  void (async () => {
    for (let failures = 0; !controller.signal.aborted; ) {
      try {
        await api.followProgress(albumId, (p) => {
          failures = 0;
          onProgress(p);
        }, controller.signal);
      } catch {
        if (controller.signal.aborted) return;
      }
      failures++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5))));
    }
  })();
}

function uploadSection(api: StudioApi, album: Album): HTMLElement {
  const overall = progressBar('Upload progress', 'upload-progress');
  const list = h('ul', { class: 'upload-list', 'aria-label': 'Uploads' });
  const retryAll = h('button', { type: 'button', hidden: true }, 'Retry failed uploads');
  const rows = new Map<number, HTMLElement>();
  const uploads = studioUploads(api, album.albumId);
  let announcedIdle = true;
  const queue: UploadQueue<File> = new UploadQueue<File>({
    concurrency: 4,
    describe: (file) => ({ name: file.name, size: file.size }),
    upload: uploads.upload,
    onChange: (item) => {
      if (item) updateRow(item);
      const s = queue.summary();
      overall.set(s.fraction, s.files === 0 ? 'Nothing uploaded yet' : `${s.done} of ${s.files - s.rejected} uploaded · ${formatBytes(s.loadedBytes)} of ${formatBytes(s.totalBytes)} · ${percent(s.fraction)} %${s.failed ? ` · ${s.failed} failed` : ''}${s.rejected ? ` · ${s.rejected} refused` : ''}`);
      retryAll.hidden = s.failed === 0;
      const idle = s.waiting === 0 && s.uploading === 0;
      if (idle && !announcedIdle && s.files > 0) {
        const problems = [s.failed ? `${s.failed} failed` : '', s.rejected ? `${s.rejected} refused` : ''].filter(Boolean).join(', ');
        announce(`${count(s.done, 'photo')} uploaded${problems ? ` (${problems})` : ''}.`, s.failed > 0);
      }
      announcedIdle = idle;
    },
  });
  retryAll.addEventListener('click', () => queue.retryAllFailed());

  function updateRow(item: UploadItem<File>): void {
    let row = rows.get(item.id);
    if (!row) {
      row = h('li', { 'data-state': item.state });
      rows.set(item.id, row);
      list.append(row);
    }
    row.dataset.state = item.state;
    const label = { waiting: 'Waiting', uploading: `${percent(item.size ? item.loaded / item.size : 0)} %`, done: 'Uploaded', failed: 'Failed', rejected: 'Refused' }[item.state];
    replaceChildren(row,
      h('span', { class: 'file-name' }, item.name),
      h('span', { class: 'file-state' }, label, item.error ? `: ${item.error}` : ''),
      item.state === 'failed' && h('button', { type: 'button', onclick: () => queue.retry(item.id), 'aria-label': `Retry ${item.name}` }, 'Retry'),
    );
  }

  const addFiles = (files: File[]) => {
    const images = files.filter(isProbablyImage);
    const skipped = files.length - images.length;
    if (images.length === 0) {
      announce(skipped ? (skipped === 1 ? 'That file is not an image.' : `None of the ${skipped} files is an image.`) : 'No files chosen.', true);
      return;
    }
    uploads.reserve(images);
    announcedIdle = false;
    for (const item of queue.add(images)) updateRow(item);
    announce(`Uploading ${count(images.length, 'photo')}${skipped ? ` (${count(skipped, 'file')} that ${skipped === 1 ? 'is not an image' : 'are not images'} skipped)` : ''}.`);
  };

  const fileInput = h('input', { id: 'photo-files', type: 'file', multiple: true, accept: 'image/*', class: 'visually-hidden' });
  const folderInput = h('input', { id: 'photo-folder', type: 'file', multiple: true, webkitdirectory: true, class: 'visually-hidden' });
  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      addFiles([...(input.files ?? [])]);
      input.value = '';
    });
  }
  const zone = h('div', { class: 'dropzone', 'data-testid': 'dropzone' },
    h('p', {}, 'Drop photos or folders here, or'),
    h('div', { class: 'buttons' },
      h('label', { for: 'photo-files', class: 'button' }, 'Choose photos'),
      fileInput,
      h('label', { for: 'photo-folder', class: 'button' }, 'Choose a folder'),
      folderInput,
    ),
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer) void filesFromDrop(event.dataTransfer).then(addFiles, (error: unknown) => announce(describeError(error), true));
  });
  overall.set(0, 'Nothing uploaded yet');
  return h('section', { class: 'card', 'aria-labelledby': 'upload-title' }, h('h2', { id: 'upload-title' }, 'Upload'), zone, overall.el, retryAll, list);
}

async function loadFailed(api: StudioApi, album: Album, section: HTMLElement): Promise<void> {
  const { photos } = await api.listPhotos(album.albumId, { status: 'failed', limit: 100 });
  section.hidden = photos.length === 0;
  const retryAll = h('button', { type: 'button', onclick: () => void retry(undefined) }, 'Retry all failed');
  const retry = async (imageIds: string[] | undefined) => {
    try {
      const n = await api.retryPhotos(album.albumId, imageIds);
      announce(`${count(n, 'photo')} queued again.`);
      await loadFailed(api, album, section);
    } catch (error) {
      announce(describeError(error), true);
    }
  };
  replaceChildren(section,
    h('h2', { id: 'failed-title' }, 'Failed photos'),
    retryAll,
    h('ul', { class: 'failed-list' },
      photos.map((photo) =>
        h('li', {},
          h('span', { class: 'file-name' }, photo.name ?? photo.imageId),
          h('span', { class: 'error-text' }, photo.error ?? 'Unknown error'),
          h('button', { type: 'button', onclick: () => void retry([photo.imageId]), 'aria-label': `Retry ${photo.name ?? photo.imageId}` }, 'Retry'),
        ),
      ),
    ),
  );
}

/** Blob URLs of thumbnails for this view; revoked when the view goes. */
function trackObjectUrl(blob: Blob): string {
  const url = URL.createObjectURL(blob);
  viewCleanup.push(() => URL.revokeObjectURL(url));
  return url;
}

const thumbCache = new Map<string, Promise<string>>();

function thumbnail(api: StudioApi, albumId: string, imageId: string): Promise<string> {
  const key = `${albumId}/${imageId}`;
  let url = thumbCache.get(key);
  if (!url) {
    url = api.photoBlob(albumId, imageId, 320).then(trackObjectUrl);
    url.catch(() => thumbCache.delete(key));
    thumbCache.set(key, url);
    viewCleanup.push(() => thumbCache.delete(key));
  }
  return url;
}

async function loadPhotos(api: StudioApi, album: Album, section: HTMLElement): Promise<void> {
  const photos: AlbumImage[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.listPhotos(album.albumId, { limit: 200, ...(nextToken ? { nextToken } : {}) });
    photos.push(...page.photos);
    nextToken = page.nextToken;
  } while (nextToken && photos.length < 1000);
  const indexed = photos.filter((p) => p.status === 'indexed');
  const grid = h('ul', { class: 'photo-grid' });
  replaceChildren(section,
    h('h2', { id: 'photos-title' }, `Photos (${indexed.length} indexed of ${photos.length})`),
    indexed.length === 0 ? h('p', { class: 'empty' }, 'Indexed photos appear here.') : grid,
  );
  for (const photo of indexed) grid.append(photoTile(api, album.albumId, photo));
}

function photoTile(api: StudioApi, albumId: string, photo: AlbumImage): HTMLElement {
  const img = h('img', { alt: photo.name ?? 'Album photo', loading: 'lazy', decoding: 'async' });
  const frame = h('div', { class: 'photo-frame' }, img);
  const tile = h('li', { class: 'photo-tile', tabindex: 0, 'aria-label': `${photo.name ?? photo.imageId}, ${photo.faceCount ?? 0} faces` }, frame, h('span', { class: 'caption' }, `${photo.faceCount ?? 0} faces`));
  void thumbnail(api, albumId, photo.imageId).then((url) => (img.src = url), () => undefined);
  let facesShown = false;
  const showFaces = () => {
    if (facesShown) return;
    facesShown = true;
    void api.faces(albumId, photo.imageId).then((faces) => {
      for (const face of faces) frame.append(faceBox(face.box));
    }, () => (facesShown = false));
  };
  tile.addEventListener('mouseenter', showFaces);
  tile.addEventListener('focus', showFaces);
  return tile;
}

async function loadPeople(api: StudioApi, album: Album, section: HTMLElement): Promise<void> {
  const people = await api.people(album.albumId);
  const list = h('ul', { class: 'people' });
  replaceChildren(section,
    h('h2', { id: 'people-title' }, `People in this album (${people.length})`),
    people.length === 0 ? h('p', { class: 'empty' }, 'People appear here once photos are processed.') : list,
  );
  people.forEach((person, index) => {
    const canvas = h('canvas', { width: 96, height: 96, 'aria-hidden': 'true' });
    list.append(h('li', {}, canvas, h('span', {}, `Person ${index + 1}`), h('span', { class: 'hint' }, count(person.photoCount, 'photo'))));
    void thumbnail(api, album.albumId, person.sample.imageId).then((url) => drawFaceCrop(canvas, url, person.sample.box), () => undefined);
  });
}

/** Crops the sample face (with some margin) out of its photo's thumbnail. */
async function drawFaceCrop(canvas: HTMLCanvasElement, url: string, box: { Left: number; Top: number; Width: number; Height: number }): Promise<void> {
  const image = new Image();
  image.src = url;
  await image.decode();
  const side = Math.max(box.Width * image.naturalWidth, box.Height * image.naturalHeight) * 1.4;
  const cx = (box.Left + box.Width / 2) * image.naturalWidth;
  const cy = (box.Top + box.Height / 2) * image.naturalHeight;
  canvas.getContext('2d')?.drawImage(image, cx - side / 2, cy - side / 2, side, side, 0, 0, canvas.width, canvas.height);
}

function sharePanel(api: StudioApi, album: Album): HTMLElement {
  const link = `${location.origin}/s/${encodeURIComponent(album.shareToken)}`;
  const qr = h('div', { class: 'qr' });
  qr.innerHTML = qrToSvg(encodeQr(link), 'QR code of the storefront link'); // our own escaped SVG
  const toggle = h('input', { id: 'selfie-search', type: 'checkbox', role: 'switch', checked: album.selfieSearch });
  const state = h('span', { class: 'hint' }, album.selfieSearch ? 'Guests can search this album with a selfie.' : 'Guests cannot search yet.');
  toggle.addEventListener('change', () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    void api.updateAlbum(album.albumId, { selfieSearch: wanted }).then(
      (updated) => {
        album.selfieSearch = updated.selfieSearch;
        state.textContent = updated.selfieSearch ? 'Guests can search this album with a selfie.' : 'Guests cannot search yet.';
        announce(updated.selfieSearch ? 'Selfie search is on.' : 'Selfie search is off.');
      },
      (error: unknown) => {
        toggle.checked = !wanted;
        announce(describeError(error), true);
      },
    ).finally(() => (toggle.disabled = false));
  });
  const copy = h('button', { type: 'button' }, 'Copy link');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(link).then(() => announce('Link copied.'), () => announce('Copy failed: select the link and copy it.', true));
  });
  return h('aside', { class: 'card share', 'aria-labelledby': 'share-title' },
    h('h2', { id: 'share-title' }, 'Share with guests'),
    h('div', { class: 'switch-row' }, toggle, h('label', { for: 'selfie-search' }, 'Selfie search')),
    state,
    h('p', {}, h('a', { href: link, 'data-testid': 'storefront-link', target: '_blank', rel: 'noopener' }, link)),
    copy,
    qr,
  );
}

window.addEventListener('hashchange', () => void render());
void render();
