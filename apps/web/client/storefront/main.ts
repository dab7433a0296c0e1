/**
 * The storefront: a guest takes or picks a selfie and sees the album photos they are in, best
 * match first, with downloads. Mobile first; the selfie goes to the search request and nowhere else.
 */
import { ApiError, PublicApi, type PhotoMatch, type PublicAlbum } from '../../src/lib/api.js';
import { count, faceBox, h, replaceChildren } from '../shared/dom.js';

/** The gateway's default multipart limit (UPLOAD_FILE_LIMIT_BYTES); larger selfies are refused early. */
const MAX_SELFIE_BYTES = 15 * 1024 * 1024;

const root = document.getElementById('app') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
const shareToken = decodeURIComponent(location.pathname.replace(/^\/s\//, '').replace(/\/$/, ''));
const api = new PublicApi(shareToken);

function announce(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/** The message a guest sees for each way a search can go wrong. */
function searchErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.status === 0) return 'No connection. Check your network and try again.';
  if (error.status === 413) return 'That photo is too large. Please use a smaller one (under 15 MB).';
  if (error.status === 415 || error.code === 'InvalidImageFormatException') return 'That file is not a photo we can read. Please use a JPEG or PNG.';
  if (error.status === 429) return 'Too many searches right now. Please wait a minute and try again.';
  if (error.status === 404) return 'This album link is no longer valid.';
  if (error.code === 'ImageTooLargeException') return 'That photo is too large. Please use a smaller one.';
  if (error.status === 400) return 'We could not find a face in that photo. Try a well-lit selfie facing the camera.';
  return 'The search is unavailable right now. Please try again later.';
}

async function start(): Promise<void> {
  let album: PublicAlbum;
  try {
    album = await api.album();
  } catch (error) {
    replaceChildren(root, h('h1', {}, 'Album not found'), h('p', {}, error instanceof ApiError && error.status === 404 ? 'This link is not valid. Please check it with your photographer.' : searchErrorMessage(error)));
    return;
  }
  document.title = `Find your photos · ${album.name}`;
  if (!album.selfieSearch) {
    replaceChildren(root, h('h1', {}, album.name), h('p', {}, 'Selfie search is not open for this album yet. Please check back later.'));
    return;
  }
  renderSearch(album);
}

function renderSearch(album: PublicAlbum): void {
  const results = h('section', { id: 'results', 'aria-labelledby': 'results-title', class: 'results' });
  const fileInput = h('input', { id: 'selfie', type: 'file', accept: 'image/*', capture: 'user', class: 'visually-hidden' });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (file) void search(file, results);
  });
  const camera = h('div', { class: 'camera' });
  const canUseCamera = typeof navigator.mediaDevices?.getUserMedia === 'function';
  replaceChildren(root,
    h('h1', {}, album.name),
    h('p', {}, `Find your photos among ${count(album.photoCount, 'photo')} in this album: take a selfie or choose a photo of yourself.`),
    h('p', { class: 'privacy' }, 'Your selfie is only used for this search. It is not stored.'),
    h('div', { class: 'buttons' },
      h('label', { for: 'selfie', class: 'button primary' }, 'Take or choose a selfie'),
      fileInput,
      canUseCamera && h('button', { type: 'button', onclick: () => void openCamera(camera, results) }, 'Use camera preview'),
    ),
    camera,
    results,
  );
}

async function openCamera(container: HTMLElement, results: HTMLElement): Promise<void> {
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 } }, audio: false });
  } catch {
    announce('The camera is not available. Use “Take or choose a selfie” instead.', true);
    return;
  }
  const video = h('video', { autoplay: true, playsinline: true, muted: true, 'aria-label': 'Camera preview' });
  video.srcObject = stream;
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    replaceChildren(container);
  };
  const shoot = h('button', { type: 'button', class: 'primary' }, 'Take photo');
  shoot.addEventListener('click', () => {
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')?.drawImage(video, 0, 0);
    stop();
    canvas.toBlob((blob) => {
      if (blob) void search(new File([blob], 'selfie.jpg', { type: 'image/jpeg' }), results);
    }, 'image/jpeg', 0.92);
  });
  replaceChildren(container, video, h('div', { class: 'buttons' }, shoot, h('button', { type: 'button', onclick: stop }, 'Close camera')));
  shoot.focus();
}

async function search(file: File, results: HTMLElement): Promise<void> {
  if (file.type && !file.type.startsWith('image/')) return showProblem(results, 'That file is not a photo. Please choose an image.');
  if (file.size > MAX_SELFIE_BYTES) return showProblem(results, 'That photo is too large. Please use a smaller one (under 15 MB).');
  replaceChildren(results, h('p', { class: 'busy' }, 'Searching the album…'));
  results.setAttribute('aria-busy', 'true');
  announce('Searching…');
  try {
    const found = await api.search(file, file.name || 'selfie.jpg');
    showMatches(results, [...found.matches].sort((a, b) => b.similarity - a.similarity));
  } catch (error) {
    showProblem(results, searchErrorMessage(error));
  } finally {
    results.removeAttribute('aria-busy');
  }
}

function showProblem(results: HTMLElement, message: string): void {
  // The alert announces itself; the status line is cleared so it is not read twice.
  replaceChildren(results, h('p', { class: 'problem', role: 'alert' }, message));
  announce('');
}

function showMatches(results: HTMLElement, matches: PhotoMatch[]): void {
  if (matches.length === 0) {
    replaceChildren(results, h('h2', { id: 'results-title' }, 'No photos matched'), h('p', {}, 'We did not find you in this album. Try another selfie, facing the camera in good light.'));
    announce('No photos matched.');
    return;
  }
  const heading = h('h2', { id: 'results-title', tabindex: -1 }, `${count(matches.length, 'photo')} of you`);
  replaceChildren(results,
    heading,
    h('a', { class: 'button primary', href: api.downloadUrl(matches.map((m) => m.imageId)), download: 'photos.zip' }, `Download all (${matches.length})`),
    h('ul', { class: 'match-grid' }, matches.map(matchCard)),
  );
  announce(`Found ${count(matches.length, 'photo')}.`);
  heading.focus();
}

function matchCard(match: PhotoMatch, index: number): HTMLElement {
  const label = match.name ?? `Photo ${index + 1}`;
  return h('li', { class: 'match', 'data-image-id': match.imageId },
    h('div', { class: 'photo-frame' }, h('img', { src: match.thumbnailUrl, alt: label, loading: 'lazy', decoding: 'async' }), faceBox(match.box, 'face-box highlight')),
    h('div', { class: 'match-info' },
      h('span', { class: 'match-name' }, label),
      h('span', { class: 'hint' }, `${Math.round(match.similarity)} % match`),
      h('a', { class: 'button', href: match.url, download: match.name ?? `${match.imageId}.jpg`, 'aria-label': `Download ${label}` }, 'Download'),
    ),
  );
}

void start();
