/**
 * Check backup (shared/workflow/backup/backup-check.ts and functions/check-backup.ts): one driver check per poll,
 * progress recorded in the state table, the next wait from the progress, and FAILED with reason
 * `timeout` once the deadline has passed. Real drivers on mocked EC2/RDS, real store on dynalite.
 */
import { DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/check-backup';
import { useClock } from '../../../shared/clock';
import { ResourceNotFoundError, ThrottledError } from '../../../shared/errors';
import type { ResourceRef } from '../../../shared/resource';
import { driverFor } from '../../../shared/services';
import type { BackupState } from '../../../shared/state/backup-state';
import { checkBackup } from '../../../shared/workflow/backup/backup-check';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { caught, lambdaContext, POLLING, resourceRecord, runRecord, unitHandlerEnv } from '../../support/unit-fixtures';
import { ec2Error, instanceRef } from '../services/ec2/fixtures';
import { dbRef, rdsError } from '../services/rds/fixtures';

const db = useUnitDynalite();
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const STARTED = new Date('2026-01-05T02:00:00.000Z');
const HOUR = 3600_000;
let clock = STARTED;
let restoreClock: () => void;

beforeAll(() => {
  Object.assign(process.env, unitHandlerEnv(db().tableName));
  restoreClock = useClock({ now: () => clock });
});
afterAll(() => restoreClock());
beforeEach(() => {
  ec2.reset();
  rds.reset();
});

const instance = instanceRef();
const backupState = (extra: Partial<BackupState> = {}): BackupState => ({
  status: 'CREATING',
  backupIds: ['snap-1', 'snap-2'],
  startedAt: STARTED.toISOString(),
  deadline: '2026-01-06T02:00:00.000Z',
  progress: 0,
  polls: 0,
  waitSeconds: 60,
  reason: null,
  ...extra,
});
const snapshots = (...states: [state: 'pending' | 'completed' | 'error', progress: string][]) =>
  ec2.on(DescribeSnapshotsCommand).resolves({
    Snapshots: states.map(([State, Progress], i) => ({ SnapshotId: `snap-${i + 1}`, State, Progress })),
  });

let n = 0;
async function startedRun(ref: ResourceRef = instance): Promise<string> {
  const runId = `run-${++n}`;
  const store = db().store();
  await store.createRun(runRecord(runId));
  await store.addResource(resourceRecord(runId, ref, { status: 'CREATING', backupIds: ['snap-1', 'snap-2'] }));
  return runId;
}

const check = (runId: string, backup: BackupState, hoursLater: number, ref: ResourceRef = instance) =>
  checkBackup({
    runId,
    resource: ref,
    backup,
    polling: POLLING,
    driver: driverFor(ref.type),
    store: db().store(),
    now: new Date(STARTED.getTime() + hoursLater * HOUR),
  });

describe('checkBackup', () => {
  it('returns COMPLETED when every snapshot is completed', async () => {
    // Prepare
    const runId = await startedRun();
    snapshots(['completed', '100%'], ['completed', '100%']);

    // Act
    const next = await check(runId, backupState({ progress: 80, polls: 3 }), 2);

    // Assess
    expect(next).toEqual(backupState({ status: 'COMPLETED', progress: 100, polls: 4, waitSeconds: 0 }));
    expect(await db().store().getResource(runId, instance.arn)).toMatchObject({
      progress: 100,
      polls: 4,
      lastCheckedAt: '2026-01-05T04:00:00.000Z',
    });
  });

  it('returns CREATING with the next wait from the progress, and records the progress', async () => {
    // Prepare: 25% after 1 h, so ~3 h remain.
    const runId = await startedRun();
    snapshots(['pending', '25%'], ['pending', '60%']);

    // Act
    const next = await check(runId, backupState({ polls: 1 }), 1);

    // Assess
    expect(next).toEqual(backupState({ progress: 25, polls: 2, waitSeconds: 8640 }));
    expect(await db().store().getResource(runId, instance.arn)).toMatchObject({ progress: 25, polls: 2 });
  });

  it('keeps the last known progress and backs off geometrically while AWS reports none', async () => {
    const runId = await startedRun();
    snapshots(['pending', ''], ['pending', '']);

    const next = await check(runId, backupState({ progress: 10, polls: 2 }), 0.5);

    expect(next).toMatchObject({ status: 'CREATING', progress: 10, polls: 3, waitSeconds: 1800 });
  });

  it('returns FAILED with the reason when a snapshot failed', async () => {
    const runId = await startedRun();
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed' },
        { SnapshotId: 'snap-2', State: 'error', StateMessage: 'internal error' },
      ],
    });

    const next = await check(runId, backupState({ progress: 50 }), 1);

    expect(next).toEqual(
      backupState({ status: 'FAILED', progress: 50, polls: 1, waitSeconds: 0, reason: 'snap-2 error: internal error' }),
    );
  });

  it('returns FAILED with a reason starting "timeout" once the deadline has passed', async () => {
    // Prepare
    const runId = await startedRun();
    snapshots(['pending', '97%'], ['completed', '100%']);

    // Act
    const next = await check(runId, backupState({ polls: 9 }), 24.5);

    // Assess
    expect(next).toMatchObject({ status: 'FAILED', progress: 97, polls: 10, waitSeconds: 0 });
    expect(next.reason).toBe(
      'timeout: still 97% complete after 24.5 h (deadline 2026-01-06T02:00:00.000Z); the backup may still finish in AWS and expires by its tags',
    );
    expect(next.reason).toMatch(/^timeout/);
  });

  it('times out exactly at the deadline', async () => {
    const runId = await startedRun();
    snapshots(['pending', '50%'], ['pending', '50%']);
    await expect(check(runId, backupState(), 24)).resolves.toMatchObject({ status: 'FAILED' });
  });

  it('returns COMPLETED rather than timeout when the backup finished by the late check', async () => {
    const runId = await startedRun();
    snapshots(['completed', '100%'], ['completed', '100%']);
    await expect(check(runId, backupState(), 30)).resolves.toMatchObject({ status: 'COMPLETED', reason: null });
  });

  it('never waits more than one second past the deadline', async () => {
    // Prepare: 23.9 h in at 5%: the progress alone would ask for the maximum wait.
    const runId = await startedRun();
    snapshots(['pending', '5%'], ['pending', '5%']);

    // Act
    const next = await check(runId, backupState(), 23.9);

    // Assess
    expect(next.waitSeconds).toBe(0.1 * 3600 + 1);
  });

  it('throws ThrottledError when EC2 throttles, recording nothing', async () => {
    const runId = await startedRun();
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));

    await expect(check(runId, backupState({ polls: 4 }), 1)).rejects.toThrow(ThrottledError);

    expect(await db().store().getResource(runId, instance.arn)).not.toHaveProperty('polls');
  });

  it('throws ResourceNotFoundError when EC2 says a snapshot does not exist', async () => {
    const runId = await startedRun();
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('InvalidSnapshot.NotFound'));
    await expect(check(runId, backupState(), 1)).rejects.toThrow(ResourceNotFoundError);
  });

  it('returns FAILED when an RDS snapshot disappeared, and progress from PercentProgress', async () => {
    // Prepare
    const ref = dbRef();
    const runId = await startedRun(ref);
    const state = backupState({ backupIds: ['bp-run-1-00000000-orders'] });
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({
        DBSnapshots: [{ DBSnapshotIdentifier: 'bp-run-1-00000000-orders', Status: 'creating', PercentProgress: 40 }],
      })
      .rejects(rdsError('DBSnapshotNotFound'));

    // Act
    const first = await check(runId, state, 1, ref);
    const second = await check(runId, first, 2, ref);

    // Assess
    expect(first).toMatchObject({ status: 'CREATING', progress: 40, polls: 1 });
    expect(second).toMatchObject({
      status: 'FAILED',
      progress: 40,
      polls: 2,
      reason: 'DB snapshot bp-run-1-00000000-orders disappeared',
    });
  });
});

describe('check-backup handler', () => {
  it('checks at the current time and returns the state the Wait state reads', async () => {
    // Prepare
    const runId = await startedRun();
    snapshots(['pending', '50%'], ['pending', '50%']);
    clock = new Date(STARTED.getTime() + 2 * HOUR);

    // Act
    const next = await handler({ runId, resource: instance, backup: backupState({ polls: 1 }) }, lambdaContext);

    // Assess: 50% after 2 h, 2 h remain; wait 80% of that.
    expect(next).toEqual(backupState({ progress: 50, polls: 2, waitSeconds: 5760 }));
    expect(await db().store().getResource(runId, instance.arn)).toMatchObject({
      polls: 2,
      lastCheckedAt: '2026-01-05T04:00:00.000Z',
    });
  });

  it('fails the backup with reason timeout when called past the deadline', async () => {
    const runId = await startedRun();
    snapshots(['pending', '10%'], ['pending', '10%']);
    clock = new Date(STARTED.getTime() + 25 * HOUR);

    const next = await handler({ runId, resource: instance, backup: backupState() }, lambdaContext);

    expect(next.status).toBe('FAILED');
    expect(next.reason).toMatch(/^timeout: still 10% complete after 25\.0 h/);
  });

  it('throws ThrottledError under its own name, for the ASL Retry, before the deadline', async () => {
    const runId = await startedRun();
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));
    clock = new Date(STARTED.getTime() + 2 * HOUR);
    const error = await caught(handler({ runId, resource: instance, backup: backupState() }, lambdaContext));
    expect(error.name).toBe('ThrottledError');
  });

  it('fails the backup with reason timeout when its checks are still throttled past the deadline', async () => {
    // Prepare: the ASL retries a throttled check until the deadline (its Retry outlasts it)
    const runId = await startedRun();
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));
    clock = new Date(STARTED.getTime() + 25 * HOUR);

    // Act
    const next = await handler({ runId, resource: instance, backup: backupState({ progress: 30 }) }, lambdaContext);

    // Assess
    expect(next).toMatchObject({ status: 'FAILED', progress: 30, waitSeconds: 0 });
    expect(next.reason).toMatch(
      /^timeout: could not be checked by its deadline \(still throttled: .*RequestLimitExceeded.*\) after 25\.0 h/,
    );
  });

  it('rejects a state without backup ids (a contract bug, not a backup failure)', async () => {
    await expect(
      handler({ runId: 'r', resource: instance, backup: backupState({ backupIds: [] }) }, lambdaContext),
    ).rejects.toThrow(/^check-backup: invalid event: backup\.backupIds/);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });
});
