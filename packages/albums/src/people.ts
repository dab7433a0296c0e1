import type { FaceEmbedding } from '@facerec/db';

export interface Person {
  personId: string;
  faceCount: number;
  photoCount: number;
  faceIds: string[];
  sample: { imageId: string; faceId: string; box: { Left: number; Top: number; Width: number; Height: number } | undefined };
}

/**
 * Groups an album's faces by identity: faces whose cosine is at least `minCosine` are linked and
 * each connected group is a person (single linkage with union-find). Exact O(n²) on the album's
 * faces, fine for thousands of faces; people are listed most photographed first.
 */
export function clusterFaces(faces: readonly FaceEmbedding[], minCosine: number, boxes: ReadonlyMap<string, Person['sample']['box']>): Person[] {
  const parent = faces.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < faces.length; i++) {
    for (let j = i + 1; j < faces.length; j++) {
      if (faces[i].imageId === faces[j].imageId) continue;
      const a = faces[i].embedding, b = faces[j].embedding;
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k] * b[k];
      if (dot >= minCosine) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, FaceEmbedding[]>();
  faces.forEach((f, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), f]);
  });
  return [...groups.values()]
    .map((members) => ({
      personId: members.map((m) => m.faceId).sort()[0],
      faceCount: members.length,
      photoCount: new Set(members.map((m) => m.imageId)).size,
      faceIds: members.map((m) => m.faceId),
      sample: { imageId: members[0].imageId, faceId: members[0].faceId, box: boxes.get(members[0].faceId) },
    }))
    .sort((a, b) => b.photoCount - a.photoCount || a.personId.localeCompare(b.personId));
}
