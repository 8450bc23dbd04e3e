/**
 * shared/services/s3/bucket-restore.ts against the model: after objects were overwritten and deleted
 * between two runs (and more after both), a restore of the whole bucket as of the first run and of one
 * prefix as of the second bring back exactly what the source held then, proven by a manifest comparison
 * (key, size, checksum); what Batch Copy cannot copy refuses by name; a name in use is refused; a
 * drill's clean-up empties the restored bucket by lifecycle, then deletes it.
 */
import { AwsModel } from '../../../../local/model';
import { expandSegments } from '../../../../local/model/s3-buckets';
import { useClock } from '../../../../shared/clock';
import { InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import type { ResourceRef } from '../../../../shared/resource';
import type { RestoreRequest } from '../../../../shared/services/restore';
import { s3BucketRestore } from '../../../../shared/services/s3/bucket-restore';
import { s3BucketDriver } from '../../../../shared/services/s3/s3-bucket';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, ownershipValues, REGION, refOf } from '../../../support/unit-fixtures';

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

const SOURCE: ResourceRef = refOf('s3-bucket', 'orders');
const OWNER = ownershipValues(SOURCE).stackName;

/** A run's backup of the source, polled to its end as the state machine does; its backup ids. */
async function backedUp(runId: string): Promise<string[]> {
  const { backupIds } = await s3BucketDriver.start({
    resource: SOURCE,
    runId,
    mayExist: false,
    tags: ownershipValues(SOURCE, runId),
  });
  for (let i = 0; i < 100; i++) {
    const result = await s3BucketDriver.check(SOURCE, backupIds);
    if (result.status === 'COMPLETED') return backupIds;
    if (result.status === 'FAILED') throw new Error(result.reason);
    minutes(5);
  }
  throw new Error('backup never finished');
}

const request = (name: string, backupIds: string[], extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: `restore-${name.replace(/[^a-z0-9]/g, '')}`,
  region: REGION,
  sourceRegion: REGION,
  backupIds,
  name,
  settings: { bucket: 'orders' },
  tags: { restoredBy: OWNER, restoreId: 'r', sourceArn: SOURCE.arn, backupId: backupIds[0] ?? '', drill: true },
  ...extra,
});

async function restored(req: RestoreRequest) {
  const { restoredIds } = await s3BucketRestore.start(req);
  for (let i = 0; i < 100; i++) {
    const check = await s3BucketRestore.check(REGION, restoredIds);
    if (check.status !== 'RESTORING') return { check, restoredIds };
    minutes(1);
  }
  throw new Error('restore never finished');
}

/** The manifest of what a bucket holds (as of a time) under a prefix: key (without `strip`), size, checksum. */
const manifest = (bucket: string, at: number, prefix = '', strip = '') =>
  expandSegments(model.contentsAsOf(bucket, at, prefix)).map((o) => ({ ...o, key: o.key.slice(strip.length) }));

describe('s3BucketRestore, exactly as of a restore point', () => {
  let first: string[];
  let second: string[];
  let firstAt: number;
  let secondAt: number;
  beforeEach(async () => {
    // Prepare: run 1; then overwrites, deletes and new keys; run 2; then more changes.
    model.addBucket(REGION, 'orders', { versioning: 'Enabled', tags: [{ Key: 'backup', Value: 'true' }] });
    model.writeObjects('orders', { prefix: 'a/', to: 100, sizeBytes: 1_000 });
    model.writeObjects('orders', { prefix: 'b/', to: 30, sizeBytes: 2_000 });
    minutes(10);
    firstAt = nowMs;
    first = await backedUp('run-1');
    model.writeObjects('orders', { prefix: 'a/', from: 0, to: 20, sizeBytes: 1_500 });
    model.writeObjects('orders', { prefix: 'a/', from: 50, to: 60, deleted: true });
    model.writeObjects('orders', { prefix: 'c/', to: 5 });
    minutes(60);
    secondAt = nowMs;
    second = await backedUp('run-2');
    model.writeObjects('orders', { prefix: 'a/', to: 100, sizeBytes: 9 });
    model.writeObjects('orders', { prefix: 'b/', to: 30, deleted: true });
    minutes(60);
  });

  it('restores the whole bucket as of the first run into a new bucket: deleted keys back, overwritten keys at their earlier version', async () => {
    // Act
    const { check } = await restored(request('orders-restored-1', first));

    // Assess
    expect(check).toEqual({ status: 'AVAILABLE', shape: { target: 'orders-restored-1', objects: 130 } });
    const expected = manifest('orders', firstAt);
    expect(expected).toHaveLength(130);
    expect(manifest('orders-restored-1', nowMs)).toEqual(expected);
    expect(manifest('orders-restored-1', nowMs)).not.toEqual(manifest('orders', secondAt));
  });

  it('restores one prefix as of the second run into an empty prefix of an existing bucket', async () => {
    // Prepare
    model.addBucket(REGION, 'scratch');
    model.writeObjects('scratch', { prefix: 'other/', to: 3 });

    // Act
    const { check } = await restored(
      request('scratch/restored/', second, { placement: { objectPrefix: 'a/' } as never }),
    );

    // Assess: a/ as of run 2: 20 overwritten, 10 deleted (absent), 70 untouched.
    expect(check.status).toBe('AVAILABLE');
    const expected = manifest('orders', secondAt, 'a/');
    expect(expected).toHaveLength(90);
    expect(manifest('scratch', nowMs, 'restored/', 'restored/')).toEqual(expected);
    expect(manifest('scratch', nowMs, 'other/')).toHaveLength(3);
  });

  it('refuses a target that holds the name: an existing bucket, a prefix that is not empty', async () => {
    // Prepare
    model.addBucket(REGION, 'taken');
    model.writeObjects('taken', { prefix: 'restored/', to: 1 });

    // Act / Assess
    await expect(s3BucketRestore.start(request('taken', first))).rejects.toBeInstanceOf(NameInUseError);
    await expect(s3BucketRestore.start(request('taken/restored/', first))).rejects.toThrow(
      'prefix restored/ of S3 bucket taken is not empty',
    );
  });

  it("cleans a drill's bucket up: emptied version by version, then deleted; never a bucket it did not restore", async () => {
    // Prepare
    const { restoredIds } = await restored(request('orders-drill', first));

    // Act
    const removed = await s3BucketRestore.remove(REGION, restoredIds, OWNER);

    // Assess
    await expect(s3BucketRestore.remove(REGION, ['orders'], OWNER)).rejects.toThrow(/not tagged restored-by/);
    expect(removed).toBe('gone');
    expect(model.simulatedBuckets.has('orders-drill')).toBe(false);
  });
});

describe('s3BucketRestore refusals', () => {
  it('refuses, by name and before copying anything, versions over 5 GB', async () => {
    // Prepare
    model.addBucket(REGION, 'orders', { versioning: 'Enabled' });
    model.writeObjects('orders', { prefix: 'big/', to: 2, sizeBytes: 6 * 1024 ** 3 });
    model.writeObjects('orders', { prefix: 'small/', to: 2 });
    const ids = await backedUp('run-1');

    // Act / Assess
    await expect(s3BucketRestore.start(request('orders-restored', ids))).rejects.toThrow(InvalidResourceStateError);
    await expect(s3BucketRestore.start(request('orders-restored', ids))).rejects.toThrow(
      /2 object\(s\) over 5 GB \(Batch Operations Copy copies at most 5 GB\)/,
    );
    expect(model.simulatedBuckets.has('orders-restored')).toBe(false);
  });
});
