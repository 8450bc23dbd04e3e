/**
 * shared/services/s3/s3-bucket.ts against the model (local/model/s3-buckets.ts, s3-jobs.ts) through the
 * SDK: discovery in the caller's own account only, a bucket of another account refused, versioning
 * required, the replication rule set once (other rules kept) into a versioned backup bucket of the
 * stack, one Batch Replication job per run (a retry gets the same job), the job polled to COMPLETED
 * only once RTC's window has passed, a version the job cannot replicate named in the FAILED reason, and
 * a 10-million-object bucket whose second run's job carries only what changed.
 */

import { AwsModel } from '../../../../local/model';
import { segmentsAsOf } from '../../../../local/model/s3-buckets';
import { useClock } from '../../../../shared/clock';
import { InvalidResourceStateError, ResourceNotFoundError, ThrottledError } from '../../../../shared/errors';
import type { ResourceRef } from '../../../../shared/resource';
import { backupBucketName, REPLICATION_RULE_ID, s3BucketDriver } from '../../../../shared/services/s3/s3-bucket';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, ownershipValues, REGION, refOf } from '../../../support/unit-fixtures';

const OTHER_ACCOUNT = '999988887777';
let nowMs = Date.parse('2026-11-02T02:00:00.000Z');
const clock = { now: () => new Date(nowMs) };
const minutes = (n: number) => {
  nowMs += n * 60_000;
};

let model: AwsModel;
let undo: (() => void)[] = [];
beforeEach(() => {
  model = new AwsModel({ accountId: ACCOUNT, clock, tokenBuckets: false });
  const sdk = wireModelToSdk(model);
  undo = [() => sdk.restore(), useClock(clock)];
});
afterEach(() => {
  for (const u of undo) u();
});

const TAGGED = [{ Key: 'backup', Value: 'true' }];
const bucket = (name: string): ResourceRef => refOf('s3-bucket', name);
const start = (resource: ResourceRef, runId = 'run-1', mayExist = false) =>
  s3BucketDriver.start({ resource, runId, mayExist, tags: ownershipValues(resource, runId) });

/** Polls the driver as the state machine does (a wait of `every` minutes between checks), up to `max` checks. */
async function pollUntilDone(resource: ResourceRef, ids: string[], every = 5, max = 500) {
  for (let i = 0; i < max; i++) {
    const result = await s3BucketDriver.check(resource, ids);
    if (result.status !== 'CREATING') return { result, polls: i + 1 };
    minutes(every);
  }
  throw new Error('never finished');
}

describe('s3BucketDriver discovery', () => {
  it("finds the account's tagged buckets of the region, never another account's", async () => {
    // Prepare
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.addBucket(REGION, 'scratch');
    model.addBucket('us-east-1', 'elsewhere', { tags: TAGGED });
    model.addBucket(REGION, 'theirs', { owner: OTHER_ACCOUNT, tags: TAGGED });

    // Act
    const found = await s3BucketDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((d) => d.ref)).toEqual([bucket('orders')]);
  });

  it('refuses a bucket ARN whose bucket another account owns (bucket names are global)', async () => {
    // Prepare
    model.addBucket(REGION, 'theirs', { owner: OTHER_ACCOUNT, tags: TAGGED });

    // Act / Assess
    const refused = s3BucketDriver.resolve(bucket('theirs'));
    await expect(refused).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(refused).rejects.toThrow(
      'S3 bucket theirs is not owned by account 111122223333: a bucket name of another account is never backed up',
    );
    await expect(s3BucketDriver.resolve(bucket('nowhere'))).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});

describe('s3BucketDriver backup', () => {
  it('refuses a bucket without versioning, naming it, and changes nothing', async () => {
    // Prepare
    model.addBucket(REGION, 'plain', { tags: TAGGED });

    // Act / Assess
    await expect(start(bucket('plain'))).rejects.toThrow(InvalidResourceStateError);
    await expect(start(bucket('plain'))).rejects.toThrow(/versioning never enabled/);
    expect(model.simulatedBuckets.get('plain')?.replication).toBeUndefined();
  });

  it("replicates into the stack's versioned backup bucket, keeping the bucket's other rules; a retry gets the same job", async () => {
    // Prepare: the owner already replicates the bucket elsewhere.
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.addBucket(REGION, 'analytics-copy', { versioning: 'Enabled' });
    model.putBucketReplication({
      Bucket: 'orders',
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::111122223333:role/theirs',
        Rules: [
          { ID: 'analytics', Priority: 1, Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::analytics-copy' } },
        ],
      },
    });
    model.writeObjects('orders', { prefix: 'a/', to: 100 });

    // Act
    const first = await start(bucket('orders'));
    const retried = await start(bucket('orders'), 'run-1', true);

    // Assess
    const target = backupBucketName(ownershipValues(bucket('orders')).stackName, ACCOUNT, 'orders');
    expect(first.backupIds).toEqual([expect.any(String), target, new Date(nowMs).toISOString()]);
    expect(retried.backupIds[0]).toEqual(first.backupIds[0]);
    const rules = model.simulatedBuckets.get('orders')?.replication?.rules ?? [];
    expect(rules.map((r) => [r.ID, r.destinationBucket, r.deleteMarkers])).toEqual([
      ['analytics', 'analytics-copy', false],
      [REPLICATION_RULE_ID, target, true],
    ]);
    const backup = model.simulatedBuckets.get(target);
    expect(backup?.versioning).toBe('Enabled');
    expect(backup?.tags).toEqual(
      expect.arrayContaining([
        { Key: 'backup-pipeline:managed-by', Value: ownershipValues(bucket('orders')).stackName },
      ]),
    );
  });

  it('is COMPLETED once the job is Complete and RTC has had its window, and the backup bucket then holds the bucket as of the start', async () => {
    // Prepare: objects before the rule (only the job carries them), and changes while it runs.
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.writeObjects('orders', { prefix: 'a/', to: 1_000 });
    minutes(1);
    const { backupIds } = await start(bucket('orders'));
    const restorePoint = nowMs;
    minutes(1);
    model.writeObjects('orders', { prefix: 'a/', from: 0, to: 10, deleted: true });

    // Act
    const { result, polls } = await pollUntilDone(bucket('orders'), backupIds);

    // Assess
    expect(result).toEqual({ status: 'COMPLETED', progress: 100 });
    expect(nowMs - restorePoint).toBeGreaterThanOrEqual(15 * 60_000);
    expect(polls).toBeGreaterThan(1);
    const target = backupIds[1] as string;
    expect(segmentsAsOf(model.replicasIn(target), restorePoint)).toEqual(
      segmentsAsOf(model.simulatedBuckets.get('orders')?.writes ?? [], restorePoint),
    );
    expect(model.core.calls.get('s3:ListObjectVersions') ?? 0).toBe(0);
  });

  it('is FAILED naming the versions the job could not replicate (SSE-KMS, GLACIER), never silently partial', async () => {
    // Prepare
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.writeObjects('orders', { prefix: 'a/', to: 5, encryption: { kind: 'SSE-KMS', keyId: 'alias/app' } });
    model.writeObjects('orders', { prefix: 'cold/', to: 3, storageClass: 'GLACIER' });
    model.writeObjects('orders', { prefix: 'b/', to: 50 });
    const { backupIds } = await start(bucket('orders'));

    // Act
    const { result } = await pollUntilDone(bucket('orders'), backupIds);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.reason).toMatch(/8 object version\(s\) not replicated/);
    expect(result.status === 'FAILED' && result.reason).toMatch(/5 object version\(s\): SSE-KMS objects need/);
    expect(result.status === 'FAILED' && result.reason).toMatch(/3 object version\(s\): objects in GLACIER/);
  });

  it('is FAILED, naming the job, when the Batch Replication job fails part-way through', async () => {
    // Prepare
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.writeObjects('orders', { prefix: 'a/', to: 50_000 });
    model.core.faults.snapshotFailureRate = 1;
    const { backupIds } = await start(bucket('orders'));

    // Act
    const { result } = await pollUntilDone(bucket('orders'), backupIds);

    // Assess
    expect(result).toEqual({
      status: 'FAILED',
      reason: `S3 Batch Replication job ${backupIds[0]} Failed: InternalError: The job failed part-way through (injected fault)`,
    });
  });

  it('maps S3 throttling (SlowDown) to ThrottledError', async () => {
    // Prepare
    model.addBucket(REGION, 'orders', { tags: TAGGED, versioning: 'Enabled' });
    model.core.faults.throttleRate = 1;

    // Act / Assess
    await expect(start(bucket('orders'))).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('s3BucketDriver at 10 million objects', () => {
  it("backs up a 10-million-object bucket; the next run's job carries only what changed", async () => {
    // Prepare: 10 million objects, simulated as one range.
    model.addBucket(REGION, 'lake', { tags: TAGGED, versioning: 'Enabled' });
    model.writeObjects('lake', { prefix: 'events/', to: 10_000_000, sizeBytes: 100_000 });

    // Act: two runs a day apart, 2,000 objects overwritten and 500 deleted between them.
    const first = await start(bucket('lake'), 'run-1');
    const firstDone = await pollUntilDone(bucket('lake'), first.backupIds, 30);
    minutes(24 * 60);
    model.writeObjects('lake', { prefix: 'events/', from: 0, to: 2_000 });
    model.writeObjects('lake', { prefix: 'events/', from: 5_000, to: 5_500, deleted: true });
    const second = await start(bucket('lake'), 'run-2');
    const secondDone = await pollUntilDone(bucket('lake'), second.backupIds, 5);

    // Assess
    expect(firstDone.result.status).toBe('COMPLETED');
    expect(secondDone.result.status).toBe('COMPLETED');
    const job = (id: string) => {
      const described = model.describeJob(REGION, { AccountId: ACCOUNT, JobId: id }).Job;
      return 'ProgressSummary' in described ? described.ProgressSummary : undefined;
    };
    expect(job(first.backupIds[0] as string)?.TotalNumberOfTasks).toBe(10_000_000);
    // Live replication carried the changes: the second job found nothing left to replicate.
    expect(job(second.backupIds[0] as string)?.TotalNumberOfTasks).toBe(0);
    expect(firstDone.polls + secondDone.polls).toBeLessThan(40);
  });
});
