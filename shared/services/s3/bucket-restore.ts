/**
 * Restore of a bucket (or one prefix of it) exactly as of a restore point (./s3-bucket.ts): from the
 * backup bucket's versions, per key the newest version at or before the restore point, absent when that
 * is a delete marker, copied by an S3 Batch Operations Copy job (`S3PutObjectCopy`, DescribeJob polled)
 * into a new bucket (`name`) or an empty prefix of an existing one (`name` = `bucket/prefix/`).
 *
 * The selection reads the versions with ListObjectVersions, so it is bounded: past MAX_VERSIONS the
 * restore is refused by name (narrow it with the `objectPrefix` placement), rather than have a Lambda
 * list a large bucket; the unbounded path, an Athena query over the backup bucket's S3 Inventory, is
 * described in docs/architecture.md and not built. Before anything is copied, versions over 5 GB
 * (CopyObject's limit, so Batch Copy's) and in GLACIER / DEEP_ARCHIVE refuse the restore, counted and
 * named; the job's own failed tasks make it FAILED with its reasons. Never a silent partial restore.
 *
 * A drill's clean-up deletes the bucket it made (only one tagged restored-by this stack), emptied first
 * version by version with DeleteObjects, a bounded number a pass (the state machine calls it again).
 *
 * The manifest is written into the backup bucket (ours) under MANIFEST_PREFIX, which the selection
 * skips; a retried start finds it there and reuses it, and CreateJob's client token returns the same job.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketTaggingCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand } from '@aws-sdk/client-s3-control';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
import { partitionOf } from '../../resource';
import { tagValue } from '../../tags';
import { type NameHolder, RESTORE_TAG, type RestoreDriver, restoreClientToken, restoreTags } from '../restore';
import { bucketClient, s3ControlClient } from './client';
import { replicationRoleArn, restorePointOf } from './s3-bucket';

/** Versions the selection reads at most (1,000 ListObjectVersions pages): beyond, the inventory path. */
export const MAX_VERSIONS = 1_000_000;
/** Batch Operations Copy (CopyObject) copies objects of at most 5 GB. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** Where restore manifests are written in the backup bucket; never selected for a restore. */
export const MANIFEST_PREFIX = 'backup-pipeline-restores/';
/** Pages of 1,000 versions a clean-up pass deletes before it lets the state machine wait and call again. */
const CLEAN_UP_PAGES = 20;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A restore's target: a bucket, or a prefix (ending in `/`) of one. */
export function targetOf(name: string): { bucket: string; prefix: string } {
  const slash = name.indexOf('/');
  return slash < 0 ? { bucket: name, prefix: '' } : { bucket: name.slice(0, slash), prefix: name.slice(slash + 1) };
}

/** The versions to copy: per key under `prefix`, the newest at or before `at`, unless that is a delete marker. */
export async function selectAsOf(region: string, bucket: string, prefix: string, at: Date) {
  const chosen: { key: string; versionId: string; size: number; storageClass: string }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  let read = 0;
  let decided: string | undefined;
  do {
    const page: ListObjectVersionsCommandOutput = await aws(`S3 ListObjectVersions ${bucket}`, () =>
      bucketClient(region).send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      ),
    );
    const entries = [
      ...(page.Versions ?? []).map((v) => ({ ...v, marker: false })),
      ...(page.DeleteMarkers ?? []).map((d) => ({ ...d, Size: 0, StorageClass: undefined, marker: true })),
    ].sort(
      (a, b) =>
        (a.Key ?? '').localeCompare(b.Key ?? '') ||
        (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0) ||
        (b.VersionId ?? '').localeCompare(a.VersionId ?? ''),
    );
    read += entries.length;
    if (read > MAX_VERSIONS)
      throw new InvalidResourceStateError(
        `S3 restore of ${bucket}/${prefix} reads more than ${MAX_VERSIONS} versions: restore a narrower prefix (placement objectPrefix); larger restores need the inventory path (not built)`,
      );
    for (const e of entries) {
      if (!e.Key || e.Key === decided || e.Key.startsWith(MANIFEST_PREFIX)) continue;
      if ((e.LastModified?.getTime() ?? Number.POSITIVE_INFINITY) > at.getTime()) continue;
      decided = e.Key;
      if (!e.marker && e.VersionId)
        chosen.push({
          key: e.Key,
          versionId: e.VersionId,
          size: e.Size ?? 0,
          storageClass: e.StorageClass ?? 'STANDARD',
        });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return chosen;
}

/** Refuses, counted and named, what a Batch Operations Copy cannot copy. */
function refuseUncopyable(chosen: { size: number; storageClass: string }[], where: string): void {
  const large = chosen.filter((c) => c.size > MAX_COPY_BYTES).length;
  const archived = chosen.filter((c) => c.storageClass === 'GLACIER' || c.storageClass === 'DEEP_ARCHIVE').length;
  const why = [
    large ? `${large} object(s) over 5 GB (Batch Operations Copy copies at most 5 GB)` : '',
    archived ? `${archived} object(s) in GLACIER or DEEP_ARCHIVE (restore them first)` : '',
  ].filter(Boolean);
  if (why.length) throw new InvalidResourceStateError(`S3 restore of ${where} refused: ${why.join('; ')}`);
}

async function holderOf(region: string, bucket: string, prefix: string): Promise<NameHolder | undefined> {
  const s3 = bucketClient(region);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NotFound' || name === 'NoSuchBucket') return undefined;
    if (name === 'AccessDenied' || name === 'Forbidden')
      return { what: `S3 bucket name ${bucket} is another account's` };
    rethrowAws(`S3 HeadBucket ${bucket}`, error);
  }
  if (prefix) {
    const listed = await aws(`S3 ListObjectsV2 ${bucket}/${prefix}`, () =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 })),
    );
    return (listed.KeyCount ?? 0) > 0 ? { what: `prefix ${prefix} of S3 bucket ${bucket} is not empty` } : undefined;
  }
  const tags = await aws(`S3 GetBucketTagging ${bucket}`, () =>
    s3.send(new GetBucketTaggingCommand({ Bucket: bucket })),
  ).catch(() => ({ TagSet: [] }));
  const restoreId = tagValue(tags.TagSet, RESTORE_TAG.restoreId);
  return { what: `S3 bucket ${bucket} exists in ${region}`, ...(restoreId ? { restoreId } : {}) };
}

async function existingManifest(region: string, bucket: string, key: string): Promise<string | undefined> {
  try {
    return (await bucketClient(region).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).ETag;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    rethrowAws(`S3 GetObject ${bucket}/${key}`, error);
  }
}

export const s3BucketRestore: RestoreDriver = {
  type: 's3-bucket',

  nameProblem(name) {
    const { bucket, prefix } = targetOf(name);
    if (!BUCKET_NAME.test(bucket)) return `${bucket} is not a valid S3 bucket name (3-63 of a-z, 0-9, '.', '-')`;
    if (prefix && !prefix.endsWith('/')) return `the target prefix ${prefix} must end with "/"`;
    // The clean-up's IAM names restored buckets by it (./permissions.ts): a new bucket must carry it.
    if (!prefix && !bucket.includes('-restored-'))
      return `a restored bucket's name must contain "-restored-" (${bucket})`;
    return undefined;
  },

  nameHolder: (request) => {
    const { bucket, prefix } = targetOf(request.name);
    return holderOf(request.region, bucket, prefix);
  },

  async start(request) {
    const { backupBucket, at } = restorePointOf(request.backupIds);
    if (!backupBucket || !at)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'an S3 restore point needs its backup bucket and time' },
      ]);
    const { region, restoreId } = request;
    const { bucket, prefix } = targetOf(request.name);
    const objectPrefix = (request.placement as { objectPrefix?: string } | undefined)?.objectPrefix ?? '';
    const manifestKey = `${MANIFEST_PREFIX}${restoreId}.csv`;
    const accountId = request.tags.sourceArn.split(':')[4] ?? '';
    let etag = await existingManifest(region, backupBucket, manifestKey);
    const reused = etag !== undefined;
    // An earlier attempt's own bucket (its restore-id tag) is adopted; anything else holding the name
    // refuses (a retry's prefix holds its own copies: the manifest found says it is this restore's).
    const holder = await holderOf(region, bucket, prefix);
    if (holder && (prefix === '' ? holder.restoreId !== restoreId : !reused)) throw new NameInUseError(holder.what);
    if (!reused) {
      const chosen = await selectAsOf(region, backupBucket, objectPrefix, at);
      refuseUncopyable(chosen, `${backupBucket}/${objectPrefix} as of ${at.toISOString()}`);
      if (chosen.length === 0)
        throw new InvalidInputError([
          { field: 'placement.objectPrefix', message: `no object under "${objectPrefix}" as of ${at.toISOString()}` },
        ]);
      if (!prefix) {
        await request.journal?.intent(`S3 bucket ${bucket}`);
        try {
          await bucketClient(region).send(
            new CreateBucketCommand({
              Bucket: bucket,
              ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
            }),
          );
        } catch (error) {
          if (awsErrorName(error) !== 'BucketAlreadyOwnedByYou') rethrowAws(`S3 CreateBucket ${bucket}`, error);
        }
        await aws(`S3 PutBucketTagging ${bucket}`, () =>
          bucketClient(region).send(
            new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: restoreTags(request.tags) } }),
          ),
        );
      }
      const csv = chosen.map((c) => [backupBucket, c.key, c.versionId].map(encodeURIComponent).join(',')).join('\n');
      etag = (
        await aws(`S3 PutObject ${backupBucket}/${manifestKey}`, () =>
          bucketClient(region).send(
            new PutObjectCommand({ Bucket: backupBucket, Key: manifestKey, Body: `${csv}\n`, ContentType: 'text/csv' }),
          ),
        )
      ).ETag;
    }
    const partition = partitionOf(region);
    const job = await aws(`S3 Control CreateJob (restore ${restoreId})`, () =>
      s3ControlClient(region).send(
        new CreateJobCommand({
          AccountId: accountId,
          ConfirmationRequired: false,
          ClientRequestToken: restoreClientToken(restoreId, 'copy', 64),
          Priority: 10,
          RoleArn: replicationRoleArn(region, accountId, request.tags.restoredBy),
          Operation: {
            S3PutObjectCopy: {
              TargetResource: `arn:${partition}:s3:::${bucket}`,
              ...(prefix ? { TargetKeyPrefix: prefix } : {}),
            },
          },
          Manifest: {
            Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
            Location: { ObjectArn: `arn:${partition}:s3:::${backupBucket}/${manifestKey}`, ETag: etag },
          },
          Report: { Enabled: false },
          Tags: [{ Key: RESTORE_TAG.restoreId, Value: restoreId }],
        }),
      ),
    );
    if (!job.JobId) throw new InvalidResourceStateError(`S3 Control returned no job for restore ${restoreId}`);
    const restoredIds = [request.name, job.JobId, accountId];
    await request.journal?.made(restoredIds);
    return { restoredIds, reused };
  },

  async check(region, restoredIds) {
    const [name = '', jobId = '', accountId = ''] = restoredIds;
    const out = await aws(`S3 Control DescribeJob ${jobId}`, () =>
      s3ControlClient(region).send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId })),
    );
    const job = out.Job;
    const progress = job?.ProgressSummary;
    if (job?.Status === 'Complete') {
      const failed = progress?.NumberOfTasksFailed ?? 0;
      if (failed === 0)
        return { status: 'AVAILABLE', shape: { target: name, objects: progress?.TotalNumberOfTasks ?? 0 } };
      const why = (job.FailureReasons ?? []).map((r) => r.FailureReason).join('; ');
      return {
        status: 'FAILED',
        reason: `S3 Batch Operations Copy job ${jobId}: ${failed} object(s) not copied: ${why}`,
      };
    }
    if (job?.Status === 'Failed' || job?.Status === 'Cancelled')
      return { status: 'FAILED', reason: `S3 Batch Operations Copy job ${jobId} ${job.Status}` };
    return { status: 'RESTORING', state: job?.Status ?? 'unknown' };
  },

  async remove(region, restoredIds, restoredBy) {
    const { bucket, prefix } = targetOf(restoredIds[0] ?? '');
    if (prefix)
      throw new InvalidResourceStateError(
        `a restore into prefix ${prefix} of S3 bucket ${bucket} is not removed by the pipeline: drills restore into a new bucket`,
      );
    const s3 = bucketClient(region);
    let tags: { Key?: string; Value?: string }[] = [];
    try {
      tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? [];
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NoSuchBucket') return 'gone';
      if (name !== 'NoSuchTagSet') rethrowAws(`S3 GetBucketTagging ${bucket}`, error);
    }
    if (tagValue(tags, RESTORE_TAG.restoredBy) !== restoredBy)
      throw new InvalidResourceStateError(`S3 bucket ${bucket} is not tagged restored-by ${restoredBy}: not deleted`);
    // Emptied version by version (a pass deletes up to CLEAN_UP_PAGES pages), then deleted.
    for (let page = 0; page < CLEAN_UP_PAGES; page++) {
      const listed = await aws(`S3 ListObjectVersions ${bucket}`, () =>
        s3.send(new ListObjectVersionsCommand({ Bucket: bucket })),
      );
      const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key,
        VersionId: v.VersionId,
      }));
      if (objects.length === 0) break;
      await aws(`S3 DeleteObjects ${bucket}`, () =>
        s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })),
      );
    }
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return 'gone';
    } catch (error) {
      if (awsErrorName(error) !== 'BucketNotEmpty') rethrowAws(`S3 DeleteBucket ${bucket}`, error);
    }
    return 'deleting';
  },
};
