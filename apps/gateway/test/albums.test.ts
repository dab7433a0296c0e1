/**
 * The albums API on the real embedded gateway (PGlite, files, table queue, local index, the
 * in-process worker, the real engine on one thread): uploads with a bad file among good ones,
 * progress over SSE, an undecodable photo failing with its reason and retried, "find my photos"
 * on the ten dev group photos, the storefront (off until the studio turns it on, photos, ZIP
 * download, rate limit) and album deletion.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../src/index.js';
import { AlbumsClient, FACES_DEV, readEvents, readStoredZip, requireDevPhotos, type AlbumView, type Photo, type Progress } from './albums-client.js';
import { embeddedTestEnv } from './harness.js';

requireDevPhotos();
const GROUPS = path.join(FACES_DEV, '_groups');
const GROUP_FILES = ['bbt1.jpg', 'bbt2.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg', 'deepface_couple.jpg', 'deepface_selfie_many_people.jpg', 'kit_with_rose.jpg', 'obama_and_biden.jpg', 'two_people.jpg'];
/** From _groups/faces.csv: the group photos each person is in. */
const EXPECTED: Record<string, string[]> = {
  barack_obama: ['obama_and_biden.jpg', 'two_people.jpg'],
  angelina_jolie: ['deepface_couple.jpg', 'deepface_selfie_many_people.jpg'],
  kit_harington: ['kit_with_rose.jpg'],
};
const CEILING_MS = 10 * 60_000;
const SEARCHES_PER_IP = 4;

describe('albums on the embedded gateway', () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let client: AlbumsClient;
  let album: AlbumView;
  let uploaded: Photo[];
  const truncated = readFileSync(path.join(GROUPS, 'two_people.jpg')).subarray(0, 30_000);

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-albums-'));
    gateway = await startGateway(loadGatewayConfig(embeddedTestEnv(dataDir, { PUBLIC_SEARCHES_PER_IP_PER_MINUTE: String(SEARCHES_PER_IP) })), { notice: () => undefined });
    assert.ok(gateway.worker, 'embedded mode runs the ingest worker in-process');
    const key = gateway.initialKey;
    assert.ok(key);
    client = new AlbumsClient(gateway.url, `${key.accessKeyId}:${key.secretAccessKey}`);
    album = await client.createAlbum('Wedding');
  });

  after(async () => {
    await gateway?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('an upload accepts the photos, rejects the text file named .jpg, and queues each photo once', async () => {
    const files = GROUP_FILES.map((name) => ({ name, bytes: readFileSync(path.join(GROUPS, name)) }));
    files.push({ name: 'truncated.jpg', bytes: truncated }, { name: 'notes.jpg', bytes: Buffer.from('these are not the photos you are looking for\n') });
    const result = await client.upload(album.albumId, files);
    assert.deepEqual(result.rejected.map((r) => [r.name, r.code]), [['notes.jpg', 'InvalidImageFormatException']]);
    assert.deepEqual(result.accepted.map((p) => p.name).sort(), [...GROUP_FILES, 'truncated.jpg'].sort());
    assert.ok(result.accepted.every((p) => p.status === 'queued'));
    uploaded = result.accepted;
    const stored = await client.allPhotos(album.albumId);
    assert.equal(stored.length, 11, 'the rejected file left no row behind');
  });

  test('SSE delivers progress until the album is done', async () => {
    const res = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/events`, { headers: client.headers({ accept: 'text/event-stream' }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await readEvents(res, (_event, data) => (JSON.parse(data) as Progress).done);
    assert.ok(events.every((e) => e.event === 'progress'));
    const last = JSON.parse(events.at(-1)!.data) as Progress;
    assert.deepEqual({ total: last.total, indexed: last.indexed, failed: last.failed, queued: last.queued, processing: last.processing, done: last.done }, { total: 11, indexed: 10, failed: 1, queued: 0, processing: 0, done: true });
    assert.ok(last.faces >= 30, `the group photos hold at least 30 faces, got ${last.faces}`);
    // Consecutive events differ: the stream sends on change only.
    for (let i = 1; i < events.length; i++) assert.notEqual(events[i].data, events[i - 1].data);
  });

  test('the truncated JPEG ends failed with its reason; retry queues it again', async () => {
    const failed = await client.allPhotos(album.albumId, 'failed');
    assert.deepEqual(failed.map((p) => p.name), ['truncated.jpg']);
    assert.match(failed[0].error ?? '', /InvalidImageFormat.*premature end of JPEG/);
    assert.equal(failed[0].attempts, 1);
    const { requeued } = await client.call<{ requeued: number }>('POST', `/albums/${album.albumId}/photos/retry`, {});
    assert.equal(requeued, 1);
    await client.waitDone(album.albumId, CEILING_MS);
    const again = await client.allPhotos(album.albumId, 'failed');
    assert.equal(again.length, 1);
    assert.equal(again[0].attempts, 2, 'the retry went through the worker once more');
  });

  test('find my photos: a portrait finds exactly the group photos its person is in', async () => {
    for (const [person, expected] of Object.entries(EXPECTED)) {
      const res = await client.search(`/albums/${album.albumId}/search`, readFileSync(path.join(FACES_DEV, person, '1.jpg')));
      const body = (await res.json()) as { matches: { imageId: string; name: string; similarity: number; url: string; thumbnailUrl: string }[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(body.matches.map((m) => m.name).sort(), expected, person);
      for (const m of body.matches) {
        assert.ok(m.similarity >= 80);
        assert.equal(m.url, `/api/v1/albums/${album.albumId}/photos/${m.imageId}`);
      }
    }
  });

  test('photo bytes, thumbnail, faces and people', async () => {
    const photo = uploaded.find((p) => p.name === 'two_people.jpg')!;
    const bytes = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos/${photo.imageId}`, { headers: client.headers() });
    assert.equal(bytes.status, 200);
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), readFileSync(path.join(GROUPS, 'two_people.jpg')));
    const thumb = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos/${photo.imageId}/thumbnail?size=160`, { headers: client.headers() });
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    const faces = await client.call<{ faces: { faceId: string }[] }>('GET', `/albums/${album.albumId}/photos/${photo.imageId}/faces`);
    assert.equal(faces.faces.length, 2);
    const people = await client.call<{ people: { personId: string; photoCount: number; sample: { imageId: string } }[] }>('GET', `/albums/${album.albumId}/people`);
    assert.ok(people.people.length >= 10);
    // Obama is in two group photos: some person spans at least two photos.
    assert.ok(people.people[0].photoCount >= 2);
  });

  test('storefront: off until the studio turns it on; then search, photos and a ZIP; rate-limited per IP', async () => {
    const token = album.shareToken;
    await client.call('PATCH', `/albums/${album.albumId}`, { selfieSearch: false });
    const info = await fetch(`${gateway.url}/api/v1/public/albums/${token}`);
    assert.deepEqual(await info.json(), { name: 'Wedding', selfieSearch: false, photoCount: 11 });
    const obama = readFileSync(path.join(FACES_DEV, 'barack_obama', '1.jpg'));
    const refused = await client.search(`/public/albums/${token}/search`, obama, {}, false);
    assert.equal(refused.status, 404);
    assert.equal(((await refused.json()) as { code: string }).code, 'ResourceNotFoundException');
    await client.call('PATCH', `/albums/${album.albumId}`, { selfieSearch: true });

    const res = await client.search(`/public/albums/${token}/search`, obama, {}, false);
    const body = (await res.json()) as { matches: { imageId: string; name: string; url: string; thumbnailUrl: string }[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.matches.map((m) => m.name).sort(), EXPECTED.barack_obama);
    const first = body.matches[0];
    assert.equal(first.url, `/api/v1/public/albums/${token}/photos/${first.imageId}`);
    assert.equal((await fetch(`${gateway.url}${first.url}`)).status, 200);
    assert.equal((await fetch(`${gateway.url}${first.thumbnailUrl}`)).status, 200);

    const zip = await fetch(`${gateway.url}/api/v1/public/albums/${token}/download?imageIds=${body.matches.map((m) => m.imageId).join(',')}`);
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    const entries = readStoredZip(Buffer.from(await zip.arrayBuffer()));
    assert.deepEqual(entries.map((e) => e.name).sort(), EXPECTED.barack_obama);
    for (const e of entries) assert.deepEqual(e.bytes, readFileSync(path.join(GROUPS, e.name)));
    const other = await fetch(`${gateway.url}/api/v1/public/albums/${token}/download?imageIds=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`);
    assert.equal(other.status, 404);

    // Two searches so far from this IP (the refused one counts too): the limit is SEARCHES_PER_IP.
    const statuses: number[] = [];
    for (let i = 0; i < SEARCHES_PER_IP; i++) {
      const r = await client.search(`/public/albums/${token}/search`, obama, {}, false);
      statuses.push(r.status);
      if (r.status === 429) {
        assert.equal(((await r.json()) as { code: string }).code, 'ThrottlingException');
        assert.ok(Number(r.headers.get('retry-after')) >= 1);
        break;
      }
      await r.arrayBuffer();
    }
    assert.deepEqual(statuses, [...Array(SEARCHES_PER_IP - 2).fill(200), 429]);
  });

  test('metrics export the queue depth and the oldest message age', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(text, /^facerec_queue_visible_messages \d+/m);
    assert.match(text, /^facerec_queue_oldest_message_age_seconds \d+/m);
  });

  test('deleting the album removes it', async () => {
    await client.call('DELETE', `/albums/${album.albumId}`, undefined, 204);
    await client.call('GET', `/albums/${album.albumId}`, undefined, 404);
    const gone = await fetch(`${gateway.url}/api/v1/public/albums/${album.shareToken}`);
    assert.equal(gone.status, 404);
  });
});
