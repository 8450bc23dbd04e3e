/**
 * The calls a restore of a bucket makes on the simulated buckets (./s3-buckets.ts): ListObjectVersions
 * (the versions of a prefix, key by key, newest first, paged by key and version-id markers, at most
 * 1,000 a page), ListObjectsV2 (is a target prefix empty), DeleteBucket (BucketNotEmpty while any
 * version is left) and DeleteObjects (versions, 1,000 a call), which a drill's clean-up empties the
 * bucket it restored with.
 * The Batch Operations copy is in ./s3-jobs.ts.
 */
import { AwsApiError, Backend, type ModelCore } from './core';
import { defineModelService } from './registry';
import { keyOf, type ObjectWrite, S3_API, type S3BucketsBackend } from './s3-buckets';

const MAX_KEYS = 1_000;

/** S3 gives every version an id; the model's is its write's sequence number. */
export const versionIdOf = (w: ObjectWrite) => `v${String(w.seq).padStart(10, '0')}`;

interface Entry {
  key: string;
  write: ObjectWrite;
}

/**
 * The bucket's versions under `prefix` from (keyMarker, versionIdMarker) on, key by key (keys in
 * order) and each key's versions newest first, at most `limit` (+1 to tell whether more follow).
 */
function versionsFrom(
  writes: readonly ObjectWrite[],
  prefix: string,
  keyMarker: string,
  versionMarker: string | undefined,
  limit: number,
): Entry[] {
  const groups = new Map<string, ObjectWrite[]>();
  for (const w of writes) if (w.prefix.startsWith(prefix)) groups.set(w.prefix, [...(groups.get(w.prefix) ?? []), w]);
  const out: Entry[] = [];
  for (const [groupPrefix, group] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const bounds = [...new Set(group.flatMap((w) => [w.from, w.to]))].sort((a, b) => a - b);
    for (let b = 0; b + 1 < bounds.length; b++) {
      const from = bounds[b] as number;
      const to = bounds[b + 1] as number;
      const covering = group.filter((w) => w.from <= from && w.to >= to).sort((x, y) => y.seq - x.seq);
      if (covering.length === 0) continue;
      for (let i = from; i < to; i++) {
        const key = keyOf(groupPrefix, i);
        if (key < keyMarker) continue;
        for (const write of covering) {
          if (key === keyMarker && (versionMarker === undefined || versionIdOf(write) >= versionMarker)) continue;
          out.push({ key, write });
          if (out.length > limit) return out;
        }
      }
    }
  }
  return out;
}

export class S3RestoreBackend extends Backend {
  constructor(
    core: ModelCore,
    private readonly buckets: S3BucketsBackend,
  ) {
    super(core);
  }

  /** S3 ListObjectVersions: Versions and DeleteMarkers, each with IsLatest, paged by markers (IsTruncated). */
  listObjectVersions(input: {
    Bucket: string;
    Prefix?: string;
    KeyMarker?: string;
    VersionIdMarker?: string;
    MaxKeys?: number;
    ExpectedBucketOwner?: string;
  }) {
    this.gate(S3_API, 'ListObjectVersions');
    this.buckets.bucket(input.Bucket, input.ExpectedBucketOwner);
    const writes = this.buckets.visibleWrites(input.Bucket);
    const limit = Math.min(MAX_KEYS, input.MaxKeys ?? MAX_KEYS);
    const entries = versionsFrom(writes, input.Prefix ?? '', input.KeyMarker ?? '', input.VersionIdMarker, limit);
    const page = entries.slice(0, limit);
    // The newest version of the entry's key, among every write that holds it.
    const isLatest = (e: Entry) =>
      !writes.some(
        (w) =>
          w.seq > e.write.seq &&
          w.prefix === e.write.prefix &&
          keyOf(w.prefix, w.from) <= e.key &&
          keyOf(w.prefix, w.to - 1) >= e.key,
      );
    const shape = (e: Entry) => ({
      Key: e.key,
      VersionId: versionIdOf(e.write),
      IsLatest: isLatest(e),
      LastModified: new Date(e.write.atMs),
    });
    const last = page.at(-1);
    const truncated = entries.length > limit;
    return {
      Versions: page
        .filter((e) => !e.write.deleted)
        .map((e) => ({
          ...shape(e),
          Size: e.write.sizeBytes,
          StorageClass: e.write.storageClass,
          ETag: `"${versionIdOf(e.write)}"`,
        })),
      DeleteMarkers: page.filter((e) => e.write.deleted).map(shape),
      IsTruncated: truncated,
      ...(truncated && last ? { NextKeyMarker: last.key, NextVersionIdMarker: versionIdOf(last.write) } : {}),
    };
  }

  /** S3 ListObjectsV2 of a simulated bucket: its current objects under a prefix (KeyCount, at most MaxKeys). */
  listObjectsV2(input: { Bucket: string; Prefix?: string; MaxKeys?: number; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'ListObjectsV2');
    this.buckets.bucket(input.Bucket, input.ExpectedBucketOwner);
    const limit = Math.min(MAX_KEYS, input.MaxKeys ?? MAX_KEYS);
    const entries = versionsFrom(
      this.buckets.visibleWrites(input.Bucket),
      input.Prefix ?? '',
      '',
      undefined,
      limit * 4,
    );
    const seen = new Set<string>();
    const current: Entry[] = [];
    for (const e of entries) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      if (!e.write.deleted) current.push(e);
    }
    const page = current.slice(0, limit);
    return {
      KeyCount: page.length,
      Contents: page.map((e) => ({ Key: e.key, Size: e.write.sizeBytes })),
      IsTruncated: current.length > limit,
    };
  }

  /** S3 DeleteBucket: BucketNotEmpty (409) while any version or delete marker is left. */
  deleteSimulatedBucket(input: { Bucket: string; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'DeleteBucket');
    this.buckets.bucket(input.Bucket, input.ExpectedBucketOwner);
    if (this.buckets.visibleWrites(input.Bucket).length > 0)
      throw new AwsApiError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
    this.buckets.simulated.delete(input.Bucket);
    this.buckets.s3.buckets.delete(input.Bucket);
    return {};
  }

  /**
   * S3 DeleteObjects of versions (Key and VersionId; at most 1,000 a call, MalformedXML beyond): each
   * version named is removed for good, a version already gone counts as deleted (S3 answers it so).
   */
  deleteObjects(input: {
    Bucket: string;
    ExpectedBucketOwner?: string;
    Delete?: { Objects?: { Key?: string; VersionId?: string }[] };
  }) {
    this.gate(S3_API, 'DeleteObjects');
    const bucket = this.buckets.bucket(input.Bucket, input.ExpectedBucketOwner);
    const objects = input.Delete?.Objects ?? [];
    if (objects.length === 0 || objects.length > MAX_KEYS)
      throw new AwsApiError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400,
      );
    for (const { Key = '', VersionId } of objects) {
      const at = bucket.writes.findIndex((w) => versionIdOf(w) === VersionId && Key.startsWith(w.prefix));
      const write = bucket.writes[at];
      if (!write) continue;
      const index = Number(Key.slice(write.prefix.length));
      if (!(index >= write.from && index < write.to)) continue;
      const rest = [
        ...(index > write.from ? [{ ...write, to: index }] : []),
        ...(index + 1 < write.to
          ? [{ ...write, from: index + 1, contentFrom: write.contentFrom + (index + 1 - write.from) }]
          : []),
      ];
      bucket.writes.splice(at, 1, ...rest);
    }
    return { Deleted: objects.map((o) => ({ Key: o.Key, VersionId: o.VersionId })) };
  }
}

export const s3RestoreModel = defineModelService({
  name: 's3Restore',
  needs: ['s3Buckets'],
  build: (core, { s3Buckets }: { s3Buckets: S3BucketsBackend }) => new S3RestoreBackend(core, s3Buckets),
  operations: ['listObjectVersions', 'listObjectsV2', 'deleteSimulatedBucket', 'deleteObjects'],
});
