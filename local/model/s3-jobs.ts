/**
 * S3 Batch Operations (S3 Control CreateJob / DescribeJob) over the simulated buckets of
 * ./s3-buckets.ts: the job a backup run starts is an S3 Batch Replication job (`S3ReplicateObject`)
 * whose manifest S3 generates itself from the source bucket (`ManifestGenerator`, filter
 * EligibleForReplication and replication status NONE or FAILED), so no caller lists the bucket. The
 * job replicates every version the bucket's replication rules cover that has not reached their
 * destination, including delete markers when the rule replicates them; a version that cannot be
 * replicated (SSE-C, SSE-KMS without the rule's opt-in, GLACIER or DEEP_ARCHIVE) is a failed task,
 * counted in `NumberOfTasksFailed` and named in the job's failure reasons ("Replicating existing objects
 * with Batch Replication"; "Tracking job status and completion reports").
 *
 * Timing: the manifest takes time in proportion to the bucket's versions (Preparing), the tasks in
 * proportion to what is replicated (Active): a job over a 10-million-object bucket whose objects are
 * already replicated prepares for minutes and runs no task. A `ClientRequestToken` makes CreateJob
 * idempotent: the same token returns the same job.
 */
import { AwsApiError, Backend, type ModelCore, type ServiceApi } from './core';
import { defineModelService } from './registry';
import type { S3Backend } from './s3';
import { type ObjectWrite, S3_API, S3BucketsBackend } from './s3-buckets';
import { versionIdOf } from './s3-restore';

/** S3 Control answers throttling with TooManyRequestsException (400). */
export const S3_CONTROL_API: ServiceApi = {
  name: 's3control',
  throttleCode: 'TooManyRequestsException',
  throttleStatus: 400,
  internalErrorCode: 'InternalServiceException',
};

/** Model rates (not AWS's published figures, which it does not publish): versions listed and tasks run per second. */
const LISTED_PER_SECOND = 50_000;
const TASKS_PER_SECOND = 2_000;

interface JobModel {
  JobId: string;
  token: string;
  region: string;
  sourceBucket: string;
  createdMs: number;
  readyMs: number;
  doneMs: number;
  total: number;
  failed: number;
  failureReasons: { FailureCode: string; FailureReason: string }[];
  /** Fails as a whole at this time (the core's snapshotFailureRate: a job that dies part-way through). */
  failsAtMs?: number;
}

export interface CreateJobInput {
  AccountId?: string;
  ClientRequestToken?: string;
  RoleArn?: string;
  Priority?: number;
  ConfirmationRequired?: boolean;
  Operation?: { S3ReplicateObject?: object; S3PutObjectCopy?: object; [other: string]: unknown };
  Report?: { Enabled?: boolean };
  Manifest?: unknown;
  ManifestGenerator?: {
    S3JobManifestGenerator?: {
      SourceBucket?: string;
      EnableManifestOutput?: boolean;
      Filter?: { EligibleForReplication?: boolean; ObjectReplicationStatuses?: string[] };
    };
  };
}

const invalid = (message: string) => new AwsApiError('InvalidRequest', message, 400);

export class S3JobsBackend extends Backend {
  private readonly jobs = new Map<string, JobModel>();

  constructor(
    core: ModelCore,
    private readonly buckets: S3BucketsBackend,
  ) {
    super(core);
  }

  private checkAccount(accountId: string | undefined) {
    if (accountId !== this.accountId) throw new AwsApiError('AccessDenied', 'Access Denied', 403);
  }

  /** S3 Control CreateJob: only Batch Replication with a generated manifest is modelled; anything else is refused. */
  createJob(region: string, input: CreateJobInput) {
    this.core.gate(S3_CONTROL_API, 'CreateJob');
    this.checkAccount(input.AccountId);
    if (!input.ClientRequestToken) throw invalid('ClientRequestToken is required');
    if (!input.RoleArn) throw invalid('RoleArn is required');
    if (input.Priority === undefined) throw invalid('Priority is required');
    if (!input.Report) throw invalid('Report is required');
    const existing = [...this.jobs.values()].find((j) => j.token === input.ClientRequestToken);
    if (existing) return { JobId: existing.JobId };
    if (input.Operation?.S3PutObjectCopy) return this.createCopyJob(region, input);
    if (!input.Operation?.S3ReplicateObject)
      throw new AwsApiError('NotImplemented', 'The model runs S3ReplicateObject and S3PutObjectCopy jobs only.', 501);
    const generator = input.ManifestGenerator?.S3JobManifestGenerator;
    if (!generator?.SourceBucket || input.Manifest)
      throw invalid('S3ReplicateObject needs a ManifestGenerator with the SourceBucket (or a Manifest, not modelled)');
    const name = generator.SourceBucket.replace(/^arn:[^:]+:s3:::/, '');
    const bucket = this.buckets.bucket(name, this.accountId);
    // A Batch Operations job runs in its bucket's region ("Creating an S3 Batch Operations job").
    if (bucket.region !== region) throw invalid(`The job must be created in ${bucket.region}, the bucket's region`);
    if (!bucket.replication) throw invalid('The source bucket has no replication configuration');
    const statuses = generator.Filter?.ObjectReplicationStatuses ?? ['NONE', 'FAILED', 'COMPLETED', 'REPLICA'];
    const now = this.nowMs();
    const versions = bucket.writes.reduce((n, w) => n + (w.to - w.from), 0);
    const readyMs = now + Math.ceil((versions / LISTED_PER_SECOND) * 1000) + 30_000;
    const todo: { write: ObjectWrite; destination: string }[] = [];
    let failed = 0;
    const reasons = new Map<string, number>();
    for (const rule of bucket.replication.rules) {
      if (rule.Status !== 'Enabled') continue;
      for (const write of bucket.writes) {
        const arrived = write.replicatedAt.get(rule.destinationBucket);
        // NONE (never replicated) or FAILED: arrived is unset. PENDING (live replication in flight) and
        // COMPLETED are not selected by NONE/FAILED.
        if (arrived !== undefined || !statuses.includes('NONE')) continue;
        if (write.deleted && !rule.deleteMarkers) continue;
        const why = write.deleted ? undefined : this.buckets.replicable(rule, write);
        if (why) {
          failed += write.to - write.from;
          reasons.set(why, (reasons.get(why) ?? 0) + (write.to - write.from));
        } else todo.push({ write, destination: rule.destinationBucket });
      }
    }
    const tasks = todo.reduce((n, t) => n + (t.write.to - t.write.from), 0) + failed;
    const doneMs = readyMs + Math.ceil((tasks / TASKS_PER_SECOND) * 1000) + 10_000;
    const doomed = this.random() < this.faults.snapshotFailureRate;
    if (!doomed) for (const { write, destination } of todo) write.replicatedAt.set(destination, doneMs);
    const job: JobModel = {
      JobId: this.nextId('job').replace(/^job-/, ''),
      token: input.ClientRequestToken,
      region,
      sourceBucket: name,
      createdMs: now,
      readyMs,
      doneMs,
      total: tasks,
      failed,
      failureReasons: [...reasons.entries()].map(([why, n]) => ({
        FailureCode: 'ObjectNotReplicated',
        FailureReason: `${n} object version(s): ${why}`,
      })),
      ...(doomed ? { failsAtMs: readyMs + Math.floor((doneMs - readyMs) / 2) } : {}),
    };
    this.jobs.set(job.JobId, job);
    return this.core.created(S3_CONTROL_API, { JobId: job.JobId });
  }

  /**
   * A Batch Operations Copy (`S3PutObjectCopy`) of the versions a CSV manifest lists (Bucket, Key,
   * VersionId), each into the target bucket under `TargetKeyPrefix` + its key. The manifest's ETag must
   * match the object's; the job runs in the target's region; all sources in one bucket. A version over
   * 5 GB (CopyObject's limit) or in GLACIER / DEEP_ARCHIVE is a failed task ("Copy objects",
   * Restrictions and limitations).
   */
  private createCopyJob(region: string, input: CreateJobInput) {
    const copy = input.Operation?.S3PutObjectCopy as { TargetResource?: string; TargetKeyPrefix?: string };
    const manifest = input.Manifest as
      | { Spec?: { Format?: string; Fields?: string[] }; Location?: { ObjectArn?: string; ETag?: string } }
      | undefined;
    if (
      manifest?.Spec?.Format !== 'S3BatchOperations_CSV_20180820' ||
      manifest.Spec.Fields?.join() !== 'Bucket,Key,VersionId'
    )
      throw invalid('The model reads CSV manifests of Bucket,Key,VersionId only');
    const location = /^arn:[^:]+:s3:::([^/]+)\/(.+)$/.exec(manifest.Location?.ObjectArn ?? '');
    if (!location) throw invalid('Manifest.Location.ObjectArn must name an object');
    const object = this.buckets.s3.getObject(location[1] as string, location[2] as string);
    if (object.etag.replace(/"/g, '') !== (manifest.Location?.ETag ?? '').replace(/"/g, ''))
      throw invalid("The manifest's ETag does not match the object's");
    const target = (copy.TargetResource ?? '').replace(/^arn:[^:]+:s3:::/, '');
    const targetBucket = this.buckets.bucket(target, this.accountId);
    if (targetBucket.region !== region)
      throw invalid(`A Copy job must be created in ${targetBucket.region}, the target's region`);
    const rows = object.body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.split(',').map((cell) => decodeURIComponent(cell)));
    const sources = new Set(rows.map((r) => r[0]));
    if (sources.size > 1) throw invalid('All source objects of a Copy job must be in one bucket');
    const now = this.nowMs();
    const readyMs = now + 30_000 + Math.ceil((rows.length / LISTED_PER_SECOND) * 1000);
    const doneMs = readyMs + 10_000 + Math.ceil((rows.length / TASKS_PER_SECOND) * 1000);
    const reasons = new Map<string, number>();
    const fail = (why: string) => reasons.set(why, (reasons.get(why) ?? 0) + 1);
    const [source] = sources;
    const versions = source ? this.buckets.visibleWrites(source) : [];
    for (const [, key = '', versionId = ''] of rows) {
      const write = versions.find((w) => versionIdOf(w) === versionId);
      const index = write ? Number(key.slice(write.prefix.length)) : Number.NaN;
      if (!write || write.deleted || !key.startsWith(write.prefix) || !(index >= write.from && index < write.to)) {
        fail('NoSuchVersion: the version does not exist');
        continue;
      }
      if (write.sizeBytes > 5 * 1024 ** 3) fail('objects over 5 GB cannot be copied by CopyObject');
      else if (write.storageClass === 'GLACIER' || write.storageClass === 'DEEP_ARCHIVE')
        fail(`objects in ${write.storageClass} must be restored before a copy`);
      else
        this.buckets.copyInto(target, `${copy.TargetKeyPrefix ?? ''}${write.prefix}`, write, index, index + 1, doneMs);
    }
    const failed = [...reasons.values()].reduce((a, b) => a + b, 0);
    const job: JobModel = {
      JobId: this.nextId('job').replace(/^job-/, ''),
      token: input.ClientRequestToken as string,
      region,
      sourceBucket: source ?? '',
      createdMs: now,
      readyMs,
      doneMs,
      total: rows.length,
      failed,
      failureReasons: [...reasons.entries()].map(([why, n]) => ({
        FailureCode: 'ObjectNotCopied',
        FailureReason: `${n} object(s): ${why}`,
      })),
    };
    this.jobs.set(job.JobId, job);
    return this.core.created(S3_CONTROL_API, { JobId: job.JobId });
  }

  /** S3 Control DescribeJob: Preparing, then Active with progress, then Complete (failed tasks counted). */
  describeJob(region: string, input: { AccountId?: string; JobId?: string }) {
    this.core.gate(S3_CONTROL_API, 'DescribeJob');
    this.checkAccount(input.AccountId);
    const job = this.jobs.get(input.JobId ?? '');
    if (!job || job.region !== region) throw new AwsApiError('NotFoundException', 'Job not found', 404);
    const now = this.nowMs();
    if (job.failsAtMs !== undefined && now >= job.failsAtMs)
      return {
        Job: {
          JobId: job.JobId,
          Status: 'Failed',
          CreationTime: new Date(job.createdMs),
          TerminationDate: new Date(job.failsAtMs),
          FailureReasons: [
            { FailureCode: 'InternalError', FailureReason: 'The job failed part-way through (injected fault)' },
          ],
        },
      };
    const status = now < job.readyMs ? 'Preparing' : now < job.doneMs ? 'Active' : 'Complete';
    const ran =
      status === 'Complete'
        ? job.total
        : status === 'Active'
          ? Math.floor(((now - job.readyMs) / (job.doneMs - job.readyMs)) * job.total)
          : 0;
    const failedSoFar = Math.min(job.failed, ran);
    return {
      Job: {
        JobId: job.JobId,
        Status: status,
        CreationTime: new Date(job.createdMs),
        ...(status === 'Complete' ? { TerminationDate: new Date(job.doneMs) } : {}),
        Operation: { S3ReplicateObject: {} },
        ProgressSummary: {
          TotalNumberOfTasks: status === 'Preparing' ? 0 : job.total,
          NumberOfTasksSucceeded: ran - failedSoFar,
          NumberOfTasksFailed: failedSoFar,
        },
        ...(status === 'Complete' && job.failed > 0 ? { FailureReasons: job.failureReasons } : {}),
      },
    };
  }
}

export const s3BucketsModel = defineModelService({
  name: 's3Buckets',
  needs: ['s3'],
  build: (core, { s3 }: { s3: S3Backend }) => new S3BucketsBackend(core, s3),
  operations: [
    'addBucket',
    'writeObjects',
    'listBuckets',
    'headBucket',
    'getBucketTagging',
    'putBucketTagging',
    'getBucketVersioning',
    'putBucketVersioning',
    'createSimulatedBucket',
    'getBucketReplication',
    'putBucketReplication',
    'contentsAsOf',
    'replicasIn',
  ],
  views: { simulatedBuckets: 'simulated' },
});

export const s3JobsModel = defineModelService({
  name: 's3Jobs',
  needs: ['s3Buckets'],
  build: (core, { s3Buckets }: { s3Buckets: S3BucketsBackend }) => new S3JobsBackend(core, s3Buckets),
  operations: ['createJob', 'describeJob'],
});

export { S3_API };
