/**
 * shared/state/store.ts on a real DynamoDB (dynalite): the item layout of DESIGN §4, and every write
 * conditional or idempotent so a task run twice leaves the same record.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ResourceNotFoundError, ThrottledError } from '../../../shared/errors';
import { MAX_POLL_TIMES, StateStore } from '../../../shared/state/store';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { caught, namedError, resourceRecord, runRecord } from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const db = useUnitDynalite();
const AT = '2026-01-05T02:00:00.000Z';
const ref = instanceRef();
let n = 0;

/** A run with one PENDING resource; returns its id. */
async function plannedRun(store: StateStore, overrides: Parameters<typeof resourceRecord>[2] = {}): Promise<string> {
  const runId = `run-${++n}`;
  await store.createRun(runRecord(runId));
  await store.addResource(resourceRecord(runId, ref, overrides));
  return runId;
}

const rawItem = async (pk: string, sk: string) =>
  (await db().doc.send(new GetCommand({ TableName: db().tableName, Key: { pk, sk } }))).Item;

describe('StateStore runs', () => {
  it('writes the run item under RUN#<runId>/RUN, indexed by start time, with a TTL', async () => {
    // Prepare
    const store = db().store(30);

    // Act
    const out = await store.createRun(runRecord('run-layout'));

    // Assess
    expect(out).toBe('created');
    expect(await rawItem('RUN#run-layout', 'RUN')).toMatchObject({
      gsi1pk: 'RUN',
      startedAt: AT,
      ttl: Date.parse(AT) / 1000 + 30 * 86_400,
      runId: 'run-layout',
      status: 'RUNNING',
    });
  });

  it('writes the run once: a retried Plan finds it and the first record stays', async () => {
    const store = db().store();
    await store.createRun(runRecord('run-twice', { executionArn: 'arn:first' }));

    await expect(store.createRun(runRecord('run-twice', { executionArn: 'arn:second' }))).resolves.toBe('exists');

    expect((await store.getRun('run-twice'))?.executionArn).toBe('arn:first');
  });

  it('returns undefined for an unknown run', async () => {
    await expect(db().store().getRun('no-such-run')).resolves.toBeUndefined();
  });

  it('updates run fields and refuses to create a run by updating it', async () => {
    // Prepare
    const store = db().store();
    await store.createRun(runRecord('run-update'));
    const counts = { total: 2, completed: 1, failed: 1, skipped: 0, unfinished: 0 };

    // Act
    await store.updateRun('run-update', { status: 'FAILED', finishedAt: '2026-01-05T03:00:00.000Z', counts });
    const missing = await caught(store.updateRun('run-missing', { status: 'FAILED' }));

    // Assess
    expect(await store.getRun('run-update')).toMatchObject({ status: 'FAILED', counts, tier: 'daily' });
    expect(missing.name).toBe('ConditionalCheckFailedException');
    expect(await store.getRun('run-missing')).toBeUndefined();
  });

  it('lists the most recent runs newest first through the byStartedAt index', async () => {
    // Prepare
    const table = await db().createTable('runs-only');
    const store = new StateStore(db().doc, table);
    for (const [runId, startedAt] of [
      ['r-jan-03', '2026-01-03T02:00:00.000Z'],
      ['r-jan-05', '2026-01-05T02:00:00.000Z'],
      ['r-jan-04', '2026-01-04T02:00:00.000Z'],
    ] as const) {
      await store.createRun(runRecord(runId, { startedAt }));
    }
    await store.addResource(resourceRecord('r-jan-05', ref));

    // Act
    const all = await store.listRuns();
    const latest = await store.listRuns(2);

    // Assess
    expect(all.map((r) => r.runId)).toEqual(['r-jan-05', 'r-jan-04', 'r-jan-03']);
    expect(latest.map((r) => r.runId)).toEqual(['r-jan-05', 'r-jan-04']);
  });

  it('follows pages past the 1 MB query limit until it has the runs asked for, reading only the fields asked for', async () => {
    // Prepare: run items of ~300 KB (a run's retention decisions can be that large): three fill a page.
    const table = await db().createTable('big-runs');
    const store = new StateStore(db().doc, table);
    for (let day = 1; day <= 8; day++) {
      const startedAt = `2026-02-0${day}T02:00:00.000Z`;
      await store.createRun(runRecord(`big-${day}`, { startedAt, input: { padding: 'x'.repeat(300_000) } }));
    }

    // Act
    const runs = await store.listRuns(7, ['runId', 'tier', 'status', 'startedAt']);

    // Assess
    expect(runs.map((r) => r.runId)).toEqual(['big-8', 'big-7', 'big-6', 'big-5', 'big-4', 'big-3', 'big-2']);
    expect(Object.keys(runs[0] ?? {}).sort()).toEqual(['runId', 'startedAt', 'status', 'tier']);
  });
});

describe('StateStore nextRunOfTier', () => {
  it('finds the first later run of the same tier, passing over other tiers and skipped starts', async () => {
    // Prepare
    const table = await db().createTable('next-runs');
    const store = new StateStore(db().doc, table);
    for (const [runId, tier, status, startedAt] of [
      ['d-1', 'daily', 'SUCCEEDED', '2026-01-01T02:00:00.000Z'],
      ['w-1', 'weekly', 'SUCCEEDED', '2026-01-01T03:00:00.000Z'],
      ['d-skip', 'daily', 'SKIPPED', '2026-01-01T04:00:00.000Z'],
      ['d-2', 'daily', 'FAILED', '2026-01-02T02:00:00.000Z'],
      ['d-3', 'daily', 'RUNNING', '2026-01-03T02:00:00.000Z'],
    ] as const) {
      await store.createRun(runRecord(runId, { tier, status, startedAt }));
    }

    // Act
    const afterFirst = await store.nextRunOfTier('daily', '2026-01-01T02:00:00.000Z');
    const afterWeekly = await store.nextRunOfTier('weekly', '2026-01-01T03:00:00.000Z');

    // Assess
    expect(afterFirst).toEqual({ runId: 'd-2', startedAt: '2026-01-02T02:00:00.000Z' });
    expect(afterWeekly).toBeUndefined();
  });
});

describe('StateStore resources', () => {
  it('writes each resource under RUN#<runId>/RES#<arn> with a TTL', async () => {
    const store = db().store(400);
    const runId = await plannedRun(store);
    expect(await rawItem(`RUN#${runId}`, `RES#${ref.arn}`)).toMatchObject({
      status: 'PENDING',
      type: 'ec2-instance',
      resourceId: ref.id,
      ttl: Date.parse(AT) / 1000 + 400 * 86_400,
    });
  });

  it('never resets a resource that is already under way when Plan runs again', async () => {
    // Prepare
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);

    // Act
    await store.addResource(resourceRecord(runId, ref));

    // Assess
    expect(await store.getResource(runId, ref.arn)).toMatchObject({ status: 'CREATING', attempts: 1 });
  });

  it('lists every resource of a run (not the run item), across Query pages', async () => {
    // Prepare: ~2.3 MB of items, so DynamoDB answers in several 1 MB pages.
    const store = db().store();
    const runId = `run-big-${++n}`;
    await store.createRun(runRecord(runId));
    const note = 'x'.repeat(90_000);
    for (let i = 0; i < 25; i++) {
      await store.addResource(resourceRecord(runId, volumeRef(`vol-${String(i).padStart(17, '0')}`), { note }));
    }
    await store.addResource(resourceRecord(`${runId}-other`, ref));
    const send = jest.spyOn(db().doc, 'send');

    // Act
    const listed = await store.listResources(runId);

    // Assess
    expect(listed).toHaveLength(25);
    expect(new Set(listed.map((r) => r.arn)).size).toBe(25);
    expect(send.mock.calls.length).toBeGreaterThan(1);
    send.mockRestore();
  });

  it('returns no resources for an unknown run', async () => {
    await expect(db().store().listResources('nothing-here')).resolves.toEqual([]);
  });
});

describe('StateStore start intent', () => {
  it('marks PENDING as CREATING and counts the attempt', async () => {
    const store = db().store();
    const runId = await plannedRun(store);

    const first = await store.markStarting(runId, ref.arn, AT);
    const second = await store.markStarting(runId, ref.arn, '2026-01-05T02:01:00.000Z');

    expect(first).toMatchObject({ status: 'CREATING', attempts: 1, startRequestedAt: AT });
    expect(second).toMatchObject({ status: 'CREATING', attempts: 2, startRequestedAt: '2026-01-05T02:01:00.000Z' });
  });

  it.each(['COMPLETED', 'FAILED', 'SKIPPED'] as const)('refuses to start a %s resource', async (status) => {
    const store = db().store();
    const runId = await plannedRun(store, { status });
    await expect(store.markStarting(runId, ref.arn, AT)).resolves.toBe('not-startable');
    expect((await store.getResource(runId, ref.arn))?.status).toBe(status);
  });

  it('refuses to start a resource that was never planned (and creates no item)', async () => {
    const store = db().store();
    await expect(store.markStarting('never-planned', ref.arn, AT)).resolves.toBe('not-startable');
    await expect(store.getResource('never-planned', ref.arn)).resolves.toBeUndefined();
  });

  it('takes back a refused attempt, but not once a backup is recorded', async () => {
    // Prepare
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);

    // Act
    await store.unmarkAttempt(runId, ref.arn);
    const afterUnmark = await store.getResource(runId, ref.arn);
    await store.markStarting(runId, ref.arn, AT);
    await store.saveBackup(runId, ref.arn, { backupIds: ['snap-1'], startedAt: AT, deadline: 'd' });
    await store.unmarkAttempt(runId, ref.arn);

    // Assess
    expect(afterUnmark?.attempts).toBe(0);
    expect(await store.getResource(runId, ref.arn)).toMatchObject({ attempts: 1, backupIds: ['snap-1'] });
  });

  it('records the backup with zero polls and progress', async () => {
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);

    await store.saveBackup(runId, ref.arn, {
      backupIds: ['snap-1', 'snap-2'],
      startedAt: AT,
      deadline: '2026-01-06T02:00:00.000Z',
    });

    expect(await store.getResource(runId, ref.arn)).toMatchObject({
      backupIds: ['snap-1', 'snap-2'],
      startedAt: AT,
      deadline: '2026-01-06T02:00:00.000Z',
      polls: 0,
      progress: 0,
    });
  });
});

describe('StateStore progress and outcome', () => {
  it('records progress while the backup is being created, and ignores it once the resource is final', async () => {
    // Prepare
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);

    // Act
    await store.saveProgress(runId, ref.arn, { progress: 40, polls: 3, lastCheckedAt: 't1' });
    await store.fail(runId, ref.arn, AT, { error: 'X', cause: 'y' });
    await store.saveProgress(runId, ref.arn, { progress: 90, polls: 4, lastCheckedAt: 't2' });

    // Assess
    expect(await store.getResource(runId, ref.arn)).toMatchObject({
      status: 'FAILED',
      progress: 40,
      polls: 3,
      lastCheckedAt: 't1',
    });
  });

  it('lists the time of each poll in order, once per poll even when a check is retried', async () => {
    // Prepare
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);
    await store.saveBackup(runId, ref.arn, { backupIds: ['snap-1'], startedAt: AT, deadline: 'd' });

    // Act
    await store.saveProgress(runId, ref.arn, { progress: 10, polls: 1, lastCheckedAt: 't1' });
    await store.saveProgress(runId, ref.arn, { progress: 40, polls: 2, lastCheckedAt: 't2' });
    await store.saveProgress(runId, ref.arn, { progress: 45, polls: 2, lastCheckedAt: 't2-retried' });
    await store.saveProgress(runId, ref.arn, { progress: 80, polls: 3, lastCheckedAt: 't3' });

    // Assess
    expect(await store.getResource(runId, ref.arn)).toMatchObject({
      pollTimes: ['t1', 't2', 't3'],
      polls: 3,
      progress: 80,
      lastCheckedAt: 't3',
    });
  });

  it(`keeps the first ${MAX_POLL_TIMES} poll times only, and still records progress past them`, async () => {
    // Prepare
    const store = db().store();
    const runId = await plannedRun(store);
    await store.markStarting(runId, ref.arn, AT);
    await store.saveProgress(runId, ref.arn, { progress: 10, polls: MAX_POLL_TIMES, lastCheckedAt: 't-last-kept' });

    // Act
    await store.saveProgress(runId, ref.arn, { progress: 60, polls: MAX_POLL_TIMES + 1, lastCheckedAt: 't-past' });

    // Assess
    expect(await store.getResource(runId, ref.arn)).toMatchObject({
      pollTimes: ['t-last-kept'],
      polls: MAX_POLL_TIMES + 1,
      progress: 60,
      lastCheckedAt: 't-past',
    });
  });

  it('records the source size when the backup starts, and leaves it out when unknown', async () => {
    // Prepare
    const store = db().store();
    const sized = await plannedRun(store);
    const unsized = await plannedRun(store);
    for (const runId of [sized, unsized]) await store.markStarting(runId, ref.arn, AT);

    // Act
    await store.saveBackup(sized, ref.arn, { backupIds: ['snap-1'], startedAt: AT, deadline: 'd', sizeGiB: 70 });
    await store.saveBackup(unsized, ref.arn, { backupIds: ['snap-2'], startedAt: AT, deadline: 'd' });

    // Assess
    expect((await store.getResource(sized, ref.arn))?.sizeGiB).toBe(70);
    expect(await store.getResource(unsized, ref.arn)).not.toHaveProperty('sizeGiB');
  });

  it('marks COMPLETED with 100% and the finish time, idempotently', async () => {
    const store = db().store();
    const runId = await plannedRun(store, { status: 'CREATING' });

    await expect(store.complete(runId, ref.arn, AT)).resolves.toBe('COMPLETED');
    await expect(store.complete(runId, ref.arn, AT)).resolves.toBe('COMPLETED');

    expect(await store.getResource(runId, ref.arn)).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      finishedAt: AT,
    });
  });

  it('marks FAILED with the error', async () => {
    const store = db().store();
    const runId = await plannedRun(store, { status: 'CREATING' });
    const error = { error: 'QuotaExceededError', cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded' };

    await expect(store.fail(runId, ref.arn, AT, error)).resolves.toBe('FAILED');

    expect(await store.getResource(runId, ref.arn)).toMatchObject({ status: 'FAILED', finishedAt: AT, error });
  });

  it('keeps COMPLETED when a late failure arrives, and FAILED when a late success does', async () => {
    // Prepare
    const store = db().store();
    const done = await plannedRun(store, { status: 'CREATING' });
    const broken = await plannedRun(store, { status: 'CREATING' });
    await store.complete(done, ref.arn, AT);
    await store.fail(broken, ref.arn, AT, { error: 'BackupFailed', cause: 'first' });

    // Act
    const lateFailure = await store.fail(done, ref.arn, AT, { error: 'X', cause: 'late' });
    const lateSuccess = await store.complete(broken, ref.arn, AT);

    // Assess
    expect(lateFailure).toBe('COMPLETED');
    expect(lateSuccess).toBe('FAILED');
    expect(await store.getResource(done, ref.arn)).not.toHaveProperty('error');
    expect((await store.getResource(broken, ref.arn))?.error).toEqual({ error: 'BackupFailed', cause: 'first' });
  });
  it('does not report a never-planned resource as COMPLETED or FAILED', async () => {
    const store = db().store();
    await expect(store.fail('never-planned', ref.arn, AT, { error: 'X', cause: 'y' })).rejects.toThrow(
      ResourceNotFoundError,
    );
    await expect(store.complete('never-planned', ref.arn, AT)).rejects.toThrow(ResourceNotFoundError);
  });
});

describe('StateStore errors', () => {
  it('maps a missing table to ResourceNotFoundError', async () => {
    const store = new StateStore(db().doc, 'no-such-table');
    await expect(store.getRun('r')).rejects.toThrow(ResourceNotFoundError);
    await expect(store.listResources('r')).rejects.toThrow(ResourceNotFoundError);
    await expect(store.addResource(resourceRecord('r', dbRef()))).rejects.toThrow(ResourceNotFoundError);
  });

  it('maps DynamoDB throttling to ThrottledError', async () => {
    // Prepare: fault injection on the real client (dynalite never throttles).
    const store = db().store();
    const runId = await plannedRun(store);
    const send = jest
      .spyOn(db().doc, 'send')
      .mockImplementationOnce(() => Promise.reject(namedError('ProvisionedThroughputExceededException')));

    // Act
    const error = await caught(store.markStarting(runId, ref.arn, AT));

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toMatch(/^DynamoDB UpdateItem \(start intent\): ProvisionedThroughputExceededException/);
    send.mockRestore();
  });
});
