/**
 * The state store on a real DynamoDB (dynalite), and Start backup's idempotency built on it:
 * the intent is recorded before AWS is called, so a retry, even one after a crash between the
 * create and the record, finds the backup instead of making a second.
 */
import { CreateSnapshotsCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidResourceStateError, LimitExceededError } from '../../../shared/errors';
import type { ResourceRef } from '../../../shared/resource';
import { ec2InstanceDriver } from '../../../shared/services/ec2/ec2-instance';
import type { ResourceRecord, StateStore } from '../../../shared/state/store';
import { LOOKUP_SETTLE_SECONDS, startBackup } from '../../../shared/workflow/backup-start';
import { startUnitDynalite } from '../../support/unit-dynalite';

const ec2 = mockClient(EC2Client);
let table: Awaited<ReturnType<typeof startUnitDynalite>>;
let store: StateStore;
beforeAll(async () => {
  table = await startUnitDynalite();
  store = table.store();
});
afterAll(async () => table.close());
beforeEach(() => ec2.reset());

const ref: ResourceRef = {
  arn: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0',
  type: 'ec2-instance',
  region: 'eu-west-1',
  accountId: '111122223333',
  id: 'i-0123456789abcdef0',
};
const polling = { minWaitSeconds: 60, maxWaitSeconds: 21_600, deadlineHours: 24 };
const now = new Date('2026-01-05T02:00:00.000Z');
let n = 0;

async function pendingResource(): Promise<string> {
  const runId = `run-${++n}`;
  await store.createRun({
    runId,
    tier: 'daily',
    executionArn: 'arn:x',
    startedAt: now.toISOString(),
    status: 'RUNNING',
    dryRun: false,
    expiresAt: '2026-01-12T02:00:00.000Z',
    input: {},
  });
  const record: ResourceRecord = {
    runId,
    arn: ref.arn,
    type: ref.type,
    region: ref.region,
    resourceId: ref.id,
    status: 'PENDING',
    queuedAt: now.toISOString(),
  };
  await store.addResource(record);
  return runId;
}

const start = (runId: string, s: StateStore = store, at = now) =>
  startBackup({
    runId,
    tier: 'daily',
    expiresAt: '2026-01-12T02:00:00.000Z',
    resource: ref,
    stackName: 'BackupPipeline',
    polling,
    driver: ec2InstanceDriver,
    store: s,
    now: at,
  });

describe('StateStore', () => {
  it('writes the run once: a retried Plan finds it', async () => {
    const runId = await pendingResource();
    await expect(
      store.createRun({
        runId,
        tier: 'daily',
        executionArn: 'arn:y',
        startedAt: now.toISOString(),
        status: 'RUNNING',
        dryRun: false,
        expiresAt: 'x',
        input: {},
      }),
    ).resolves.toBe('exists');
    expect((await store.getRun(runId))?.executionArn).toBe('arn:x');
  });

  it('never resets a resource that is already under way', async () => {
    const runId = await pendingResource();
    await store.markStarting(runId, ref.arn, now.toISOString());
    await store.addResource({
      runId,
      arn: ref.arn,
      type: ref.type,
      region: ref.region,
      resourceId: ref.id,
      status: 'PENDING',
      queuedAt: now.toISOString(),
    });
    expect((await store.getResource(runId, ref.arn))?.status).toBe('CREATING');
  });

  it('counts attempts and refuses to start a resource that already finished', async () => {
    const runId = await pendingResource();
    expect(await store.markStarting(runId, ref.arn, now.toISOString())).toMatchObject({ attempts: 1 });
    expect(await store.markStarting(runId, ref.arn, now.toISOString())).toMatchObject({ attempts: 2 });
    await store.complete(runId, ref.arn, now.toISOString());
    await expect(store.markStarting(runId, ref.arn, now.toISOString())).resolves.toBe('not-startable');
  });

  it('keeps COMPLETED when a late failure is recorded, and FAILED when a late success is', async () => {
    const a = await pendingResource();
    await store.complete(a, ref.arn, now.toISOString());
    await expect(store.fail(a, ref.arn, now.toISOString(), { error: 'X', cause: 'late' })).resolves.toBe('COMPLETED');
    const b = await pendingResource();
    await store.fail(b, ref.arn, now.toISOString(), { error: 'X', cause: 'first' });
    await expect(store.complete(b, ref.arn, now.toISOString())).resolves.toBe('FAILED');
  });

  it('lists every resource of a run', async () => {
    const runId = `run-many-${++n}`;
    for (let i = 0; i < 30; i++) {
      await store.addResource({
        runId,
        arn: `${ref.arn}-${i}`,
        type: ref.type,
        region: ref.region,
        resourceId: `${i}`,
        status: 'PENDING',
        queuedAt: now.toISOString(),
      });
    }
    expect(await store.listResources(runId)).toHaveLength(30);
  });
});

describe('startBackup idempotency', () => {
  it('running Start backup twice for the same run and resource creates one backup', async () => {
    // Prepare
    const runId = await pendingResource();
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }] });

    // Act
    const first = await start(runId);
    const second = await start(runId);

    // Assess
    expect(first.state.backupIds).toEqual(['snap-1']);
    expect(second).toMatchObject({ reused: true, state: { backupIds: ['snap-1'] } });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 1);
  });

  it('after a crash between the create and the record, the retry finds the snapshot by its tags and creates none', async () => {
    // Prepare: the first attempt creates the snapshot, then dies before saving it.
    const runId = await pendingResource();
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-crash' }] });
    const crashing = Object.create(store) as StateStore;
    crashing.saveBackup = async () => {
      throw Object.assign(new Error('Lambda died'), { name: 'Lambda.Unknown' });
    };
    await expect(start(runId, crashing)).rejects.toThrow('Lambda died');
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-crash', State: 'pending' }] });

    // Act: the retry once a tag lookup can see the create (sooner, it waits: shared/workflow/backup-start.ts).
    const retry = await start(runId, store, new Date(now.getTime() + LOOKUP_SETTLE_SECONDS * 1000));

    // Assess
    expect(retry).toMatchObject({ reused: true, state: { backupIds: ['snap-crash'], status: 'CREATING' } });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 1);
    expect(await store.getResource(runId, ref.arn)).toMatchObject({ attempts: 2, backupIds: ['snap-crash'] });
  });

  it('after AWS refused the create (limit), the retry counts as a first attempt and skips the lookup', async () => {
    const runId = await pendingResource();
    ec2
      .on(CreateSnapshotsCommand)
      .rejectsOnce(Object.assign(new Error('limit'), { name: 'PendingSnapshotLimitExceeded' }))
      .resolves({ Snapshots: [{ SnapshotId: 'snap-2' }] });
    await expect(start(runId)).rejects.toThrow(LimitExceededError);

    const retry = await start(runId);

    expect(retry.state.backupIds).toEqual(['snap-2']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  it('refuses to start a resource whose record is already final', async () => {
    const runId = await pendingResource();
    await store.fail(runId, ref.arn, now.toISOString(), { error: 'X', cause: 'y' });
    await expect(start(runId)).rejects.toThrow(InvalidResourceStateError);
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
  });

  it('returns the first wait (the minimum: nothing to extrapolate yet) and the deadline', async () => {
    const runId = await pendingResource();
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }] });
    const { state } = await start(runId);
    expect(state).toMatchObject({
      status: 'CREATING',
      waitSeconds: 60,
      polls: 0,
      deadline: '2026-01-06T02:00:00.000Z',
    });
  });
});
