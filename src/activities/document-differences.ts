import type { DocumentDigest } from './document-digest';

/** The ids that differ, by kind, as the second pass found them. */
export interface Differences {
  missingInNew: string[];
  extraInNew: string[];
  contentDiffers: string[];
}

/** Ids named in the error, at most: enough to look at, short enough for the status. */
export const DIFFERING_IDS_NAMED = 10;
/**
 * The second pass keeps in memory the destination documents of differing buckets, whole buckets, until
 * this many: on a billion documents a bucket holds about a million, so the bound is one bucket then.
 */
export const SECOND_PASS_MAX_DOCUMENTS = 200_000;

/** Differing buckets to look into: in order, until their documents reach the bound (at least one). */
export function bucketsToExamine(differing: number[], digests: DocumentDigest[]): Set<number> {
  const chosen = new Set<number>();
  let documents = 0;
  for (const bucket of differing) {
    const inBucket = Math.max(...digests.map((digest) => digest.countIn(bucket)));
    if (chosen.size > 0 && documents + inBucket > SECOND_PASS_MAX_DOCUMENTS) break;
    chosen.add(bucket);
    documents += inBucket;
  }
  return chosen;
}

/**
 * Compares the source's documents with the destination's as the second pass reads them: destination
 * hashes first (`destination`), then each source document in turn; whatever is left of the destination
 * is extra.
 */
export class DifferenceCollector {
  readonly differences: Differences = { missingInNew: [], extraInNew: [], contentDiffers: [] };

  constructor(private readonly destination: Map<string, string>) {}

  sourceDocument(id: string, hash: string): void {
    const found = this.destination.get(id);
    if (found === undefined) this.note(this.differences.missingInNew, id);
    else if (found !== hash) this.note(this.differences.contentDiffers, id);
    this.destination.delete(id);
  }

  finish(): Differences {
    for (const id of this.destination.keys()) this.note(this.differences.extraInNew, id);
    return this.differences;
  }

  private note(list: string[], id: string): void {
    if (list.length < DIFFERING_IDS_NAMED) list.push(id);
  }
}

/** Up to `DIFFERING_IDS_NAMED` ids in all, taken from each kind in turn, so every kind found is named. */
export function differenceSummary(differences: Differences): string {
  const kinds: [string, string[]][] = [
    ['missing in new', differences.missingInNew],
    ['extra in new', differences.extraInNew],
    ['content differs', differences.contentDiffers],
  ];
  const named = kinds.map((): string[] => []);
  for (let taken = 0, round = 0; taken < DIFFERING_IDS_NAMED && round < DIFFERING_IDS_NAMED; round += 1) {
    kinds.forEach(([, ids], kind) => {
      const id = ids[round];
      if (id !== undefined && taken < DIFFERING_IDS_NAMED) {
        named[kind]?.push(id);
        taken += 1;
      }
    });
  }
  return kinds
    .map(([label], kind) => ({ label, ids: named[kind] ?? [] }))
    .filter(({ ids }) => ids.length > 0)
    .map(({ label, ids }) => `${label} [${ids.join(', ')}]`)
    .join('; ');
}
