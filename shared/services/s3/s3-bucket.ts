/**
 * S3 buckets (docs/architecture.md "S3 buckets: replication into a versioned backup bucket"). A run's
 * restore point of a bucket is the time its backup starts, made exact by two AWS mechanisms that scale
 * with what changed, never with the bucket's size, and with no Lambda listing it:
 *
 * - live S3 Replication, a rule `backup-pipeline` on the (versioned) source into a versioned backup
 *   bucket this stack makes for it (one per source: replication keeps keys as they are, so two sources
 *   cannot share one bucket), delete markers included: every change reaches the backup bucket as a
 *   version with the source's key, version id and last-modified time;
 * - per run, an S3 Batch Replication job (S3 Control CreateJob, `S3ReplicateObject`) whose manifest S3
 *   generates from the source (versions whose replication status is NONE or FAILED): what existed before
 *   the rule, and what live replication failed. The state machine polls it (DescribeJob) like a
 *   snapshot; it is COMPLETED once the job is Complete without a failed task and S3 RTC's 15 minutes
 *   have passed since the restore point, so what live replication had in flight at that time arrived.
 *
 * A version the job cannot replicate (SSE-C, SSE-KMS, GLACIER or DEEP_ARCHIVE) is a failed task: the
 * backup is FAILED with the job's reasons, never silently partial. Versioning off on the source is
 * refused (InvalidResourceStateError): the pipeline never changes a source bucket's versioning.
 *
 * Ownership: buckets are listed in the caller's own account only (ListBuckets), and every call on a
 * source names `ExpectedBucketOwner`, so a bucket name of another account (names are global) is refused
 * with AccessDenied, never backed up.
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  type ListBucketsCommandOutput,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  type ReplicationRule,
  type Tag,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, type JobDescriptor } from '@aws-sdk/client-s3-control';
import { now } from '../../clock';
import { aws, awsErrorName, InvalidResourceStateError, ResourceNotFoundError, rethrowAws } from '../../errors';
import { s3ReplicationRoleName } from '../../names';
import { partitionOf, type ResourceRef } from '../../resource';
import { matchesTags, type OwnershipTagValues, ownershipTags, resourceTagsOf, TAG } from '../../tags';
import type { BackupStore, CheckResult, Discovered, ResourceDriver } from '../driver';
import { runtimeBucketPrefix, s3BucketArn } from './catalog';
import { bucketClient, s3ControlClient } from './client';

/** The replication rule the pipeline owns on a source bucket (other rules are kept as they are). */
export const REPLICATION_RULE_ID = 'backup-pipeline';
/** S3 Replication Time Control's window: 99.99% of objects replicated within 15 minutes. */
export const RTC_MINUTES = 15;

/** The stack's name from a managed-by value (`Stack@region`). */
const stackOf = (managedBy: string) => managedBy.split('@')[0] ?? managedBy;

/** The versioned bucket one source is replicated into: deterministic per stack, account and source. */
export function backupBucketName(managedBy: string, accountId: string, source: string): string {
  const hash = createHash('sha256').update(`${managedBy}|${accountId}|${source}`).digest('hex').slice(0, 16);
  return `${runtimeBucketPrefix(stackOf(managedBy))}${hash}`;
}

/** The role S3 replicates and runs Batch Operations jobs with (the stack's `<stack>-s3-replication`). */
export function replicationRoleArn(region: string, accountId: string, managedBy: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${s3ReplicationRoleName(stackOf(managedBy))}`;
}

/** One Batch Replication job per run and bucket: CreateJob's idempotency token. */
export function jobToken(runId: string, bucketArn: string): string {
  return createHash('sha256').update(`${runId}|${bucketArn}`).digest('hex').slice(0, 64);
}

async function bucketTags(region: string, bucket: string, owner: string): Promise<Tag[] | undefined> {
  try {
    const out = await bucketClient(region).send(
      new GetBucketTaggingCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return out.TagSet ?? [];
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NoSuchTagSet') return [];
    if (name === 'NoSuchBucket') return undefined;
    rethrowAws(`S3 GetBucketTagging ${bucket}`, error);
  }
}

const refOf = (region: string, accountId: string, name: string): ResourceRef => ({
  arn: s3BucketArn(partitionOf(region), region, accountId, name),
  type: 's3-bucket',
  region,
  accountId,
  id: name,
});

const discovered = (ref: ResourceRef, tags: Tag[]): Discovered => ({
  ref,
  resourceTags: resourceTagsOf(tags),
  restoreSettings: { bucket: ref.id },
});

/** The source's replication rules (none: []), read with its owner named. */
async function replicationRules(region: string, bucket: string, owner: string) {
  try {
    const out = await bucketClient(region).send(
      new GetBucketReplicationCommand({ Bucket: bucket, ExpectedBucketOwner: owner }),
    );
    return out.ReplicationConfiguration?.Rules ?? [];
  } catch (error) {
    if (awsErrorName(error) === 'ReplicationConfigurationNotFoundError') return [];
    rethrowAws(`S3 GetBucketReplication ${bucket}`, error);
  }
}

/**
 * The versioned backup bucket, made (or adopted: BucketAlreadyOwnedByYou is an earlier attempt's) and
 * tagged as this stack's, and the pipeline's replication rule on the source into it, the source's
 * other rules kept (S3's PutBucketReplication replaces the whole configuration).
 */
async function ensureReplication(resource: ResourceRef, tags: OwnershipTagValues, rules: ReplicationRule[]) {
  const { region, accountId, id } = resource;
  const target = backupBucketName(tags.stackName, accountId, id);
  const s3 = bucketClient(region);
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: target,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
  } catch (error) {
    // An earlier attempt's bucket: adopted (DESIGN §7).
    if (awsErrorName(error) !== 'BucketAlreadyOwnedByYou') rethrowAws(`S3 CreateBucket ${target}`, error);
  }
  await aws(`S3 PutBucketVersioning ${target}`, () =>
    s3.send(
      new PutBucketVersioningCommand({
        Bucket: target,
        ExpectedBucketOwner: accountId,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    ),
  );
  const owned = ownershipTags(tags).filter((t) => t.Key !== TAG.runId && t.Key !== TAG.expiresAt && t.Key !== TAG.tier);
  await aws(`S3 PutBucketTagging ${target}`, () =>
    s3.send(
      new PutBucketTaggingCommand({ Bucket: target, ExpectedBucketOwner: accountId, Tagging: { TagSet: owned } }),
    ),
  );
  const others = rules.filter((r) => r.ID !== REPLICATION_RULE_ID);
  const priority = Math.max(0, ...others.map((r) => r.Priority ?? 0)) + 1;
  await aws(`S3 PutBucketReplication ${id}`, () =>
    s3.send(
      new PutBucketReplicationCommand({
        Bucket: id,
        ExpectedBucketOwner: accountId,
        ReplicationConfiguration: {
          Role: replicationRoleArn(region, accountId, tags.stackName),
          Rules: [
            ...others,
            {
              ID: REPLICATION_RULE_ID,
              Priority: priority,
              Status: 'Enabled',
              Filter: {},
              DeleteMarkerReplication: { Status: 'Enabled' },
              Destination: {
                Bucket: `arn:${partitionOf(region)}:s3:::${target}`,
                ReplicationTime: { Status: 'Enabled', Time: { Minutes: RTC_MINUTES } },
                Metrics: { Status: 'Enabled', EventThreshold: { Minutes: RTC_MINUTES } },
              },
            },
          ],
        },
      }),
    ),
  );
  return target;
}

/**
 * A run's backup ids: its job, the backup bucket, and the restore point (the start's time). Every
 * version written up to it either existed when the job was made (the job or live replication carries
 * it) or was written after, by live replication, within RTC's window of the restore point.
 */
export function restorePointOf(backupIds: readonly string[]): { jobId?: string; backupBucket?: string; at?: Date } {
  const [jobId, backupBucket, at] = backupIds;
  const time = at ? new Date(at) : undefined;
  return { jobId, backupBucket, ...(time && !Number.isNaN(time.getTime()) ? { at: time } : {}) };
}

function checkJob(job: JobDescriptor | undefined, jobId: string, restorePoint: Date | undefined): CheckResult {
  const progress = job?.ProgressSummary;
  const failed = progress?.NumberOfTasksFailed ?? 0;
  switch (job?.Status) {
    case 'Complete': {
      if (failed > 0) {
        const why = (job.FailureReasons ?? []).map((r) => r.FailureReason).join('; ');
        return {
          status: 'FAILED',
          reason: `S3 Batch Replication job ${jobId}: ${failed} object version(s) not replicated${why ? `: ${why}` : ''}`,
        };
      }
      // What live replication had in flight at the restore point arrives within RTC's window.
      // Progress through RTC's window, so the progress-aware wait sleeps until its end, not minute by minute.
      const from = Math.max(restorePoint?.getTime() ?? 0, job.CreationTime?.getTime() ?? 0);
      const waited = (now().getTime() - from) / (RTC_MINUTES * 60_000);
      if (waited < 1) return { status: 'CREATING', progress: Math.max(1, Math.min(99, Math.floor(waited * 100))) };
      return { status: 'COMPLETED', progress: 100 };
    }
    case 'Failed':
    case 'Cancelled': {
      const why = (job.FailureReasons ?? []).map((r) => `${r.FailureCode}: ${r.FailureReason}`).join('; ');
      return { status: 'FAILED', reason: `S3 Batch Replication job ${jobId} ${job.Status}${why ? `: ${why}` : ''}` };
    }
    default: {
      const total = progress?.TotalNumberOfTasks ?? 0;
      const done = (progress?.NumberOfTasksSucceeded ?? 0) + failed;
      return { status: 'CREATING', progress: total > 0 ? Math.min(98, Math.floor((done / total) * 100)) : undefined };
    }
  }
}

/**
 * The restore points live as versions in the backup buckets, expired by their lifecycle rules, not by
 * Apply retention: there is no per-run object for it to delete (as for DynamoDB exports).
 */
export const s3RestorePointStore: BackupStore = {
  kind: 's3-restore-point',
  listOwned: () => Promise.resolve([]),
  delete: () => Promise.resolve(),
};

export const s3BucketDriver: ResourceDriver = {
  type: 's3-bucket',
  store: s3RestorePointStore,
  // CreateJob's ClientRequestToken returns the same job for the same run and bucket.
  idempotentCreate: () => true,

  async discover(region, tags, accountId) {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page: ListBucketsCommandOutput = await aws('S3 ListBuckets (discover)', () =>
        bucketClient(region).send(new ListBucketsCommand({ BucketRegion: region, ContinuationToken: token })),
      );
      names.push(
        ...(page.Buckets ?? []).flatMap((b) => (b.Name && (b.BucketRegion ?? region) === region ? [b.Name] : [])),
      );
      token = page.ContinuationToken;
    } while (token);
    const found: Discovered[] = [];
    for (const name of names) {
      const tagList = await bucketTags(region, name, accountId);
      if (!tagList || !matchesTags(tagList, tags)) continue;
      found.push(discovered(refOf(region, accountId, name), tagList));
    }
    return found;
  },

  async resolve(ref) {
    try {
      const head = await bucketClient(ref.region).send(
        new HeadBucketCommand({ Bucket: ref.id, ExpectedBucketOwner: ref.accountId }),
      );
      if (head.BucketRegion && head.BucketRegion !== ref.region)
        throw new ResourceNotFoundError(`S3 bucket ${ref.id} is in ${head.BucketRegion}, not ${ref.region}`);
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NotFound' || name === 'NoSuchBucket')
        throw new ResourceNotFoundError(`S3 bucket ${ref.id} not found`, { cause: error });
      if (
        name === 'AccessDenied' ||
        name === 'Forbidden' ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403
      )
        throw new ResourceNotFoundError(
          `S3 bucket ${ref.id} is not owned by account ${ref.accountId}: a bucket name of another account is never backed up`,
          { cause: error },
        );
      rethrowAws(`S3 HeadBucket ${ref.id}`, error);
    }
    const tagList = (await bucketTags(ref.region, ref.id, ref.accountId)) ?? [];
    return discovered(ref, tagList);
  },

  async start({ resource, tags, runId }) {
    const { region, accountId, id } = resource;
    const versioning = await aws(`S3 GetBucketVersioning ${id}`, () =>
      bucketClient(region).send(new GetBucketVersioningCommand({ Bucket: id, ExpectedBucketOwner: accountId })),
    );
    if (versioning.Status !== 'Enabled')
      throw new InvalidResourceStateError(
        `S3 bucket ${id} has versioning ${versioning.Status ?? 'never enabled'}: replication, and so its backup, needs it Enabled (the pipeline does not change a source bucket's versioning)`,
      );
    const rules = await replicationRules(region, id, accountId);
    const ours = rules.find((r) => r.ID === REPLICATION_RULE_ID && r.Status === 'Enabled');
    const backupBucket =
      ours?.Destination?.Bucket?.replace(/^arn:[^:]+:s3:::/, '') ?? (await ensureReplication(resource, tags, rules));
    const restorePoint = now().toISOString();
    const out = await aws(`S3 Control CreateJob ${id}`, () =>
      s3ControlClient(region).send(
        new CreateJobCommand({
          AccountId: accountId,
          ConfirmationRequired: false,
          ClientRequestToken: jobToken(runId, resource.arn),
          Priority: 10,
          RoleArn: replicationRoleArn(region, accountId, tags.stackName),
          Operation: { S3ReplicateObject: {} },
          Report: { Enabled: false },
          ManifestGenerator: {
            S3JobManifestGenerator: {
              SourceBucket: `arn:${partitionOf(region)}:s3:::${id}`,
              EnableManifestOutput: false,
              Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['NONE', 'FAILED'] },
            },
          },
          Tags: [{ Key: TAG.runId, Value: runId }],
        }),
      ),
    );
    if (!out.JobId) throw new InvalidResourceStateError(`S3 Control returned no job for ${id}`);
    return { backupIds: [out.JobId, backupBucket, restorePoint], reused: false };
  },

  async check(resource, backupIds) {
    const jobId = backupIds[0];
    if (!jobId) return { status: 'FAILED', reason: 'no S3 Batch Replication job recorded' };
    try {
      const out = await s3ControlClient(resource.region).send(
        new DescribeJobCommand({ AccountId: resource.accountId, JobId: jobId }),
      );
      return checkJob(out.Job, jobId, restorePointOf(backupIds).at);
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException')
        return { status: 'FAILED', reason: `S3 Batch Replication job ${jobId} disappeared` };
      rethrowAws(`S3 Control DescribeJob ${jobId}`, error);
    }
  },

  notCopied: () =>
    'S3 buckets are not copied by a run: a DR copy is a second replication rule into a bucket in the recovery region (not built yet)',
};
