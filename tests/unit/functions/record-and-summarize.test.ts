/**
 * The bookkeeping handlers on a real state table (dynalite): Record result, Record failure (which
 * stores a Lambda error's JSON Cause as a readable error: shared/workflow/backup/failure.ts) and Summarize run.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handler as recordFailure } from '../../../functions/record-failure';
import { handler as recordResult } from '../../../functions/record-result';
import { handler as summarizeRun } from '../../../functions/summarize-run';
import { useClock } from '../../../shared/clock';
import type { ResourceRef } from '../../../shared/resource';
import type { BackupState } from '../../../shared/state/backup-state';
import { useUnitDynalite } from '../../support/unit-dynalite';
import {
  caught,
  lambdaContext,
  namedError,
  resourceRecord,
  runRecord,
  unitHandlerEnv,
} from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const db = useUnitDynalite();
const NOW = new Date('2026-01-05T03:00:00.000Z');
let restoreClock: () => void;

beforeAll(() => {
  Object.assign(process.env, unitHandlerEnv(db().tableName));
  restoreClock = useClock({ now: () => NOW });
});
afterAll(() => restoreClock());

const backup: BackupState = {
  status: 'COMPLETED',
  backupIds: ['snap-1'],
  startedAt: '2026-01-05T02:00:00.000Z',
  deadline: '2026-01-06T02:00:00.000Z',
  progress: 100,
  polls: 3,
  waitSeconds: 0,
  reason: null,
};

let n = 0;
async function runWith(...resources: [ResourceRef, Parameters<typeof resourceRecord>[2]?][]): Promise<string> {
  const runId = `run-${++n}`;
  const store = db().store();
  await store.createRun(runRecord(runId));
  for (const [ref, overrides] of resources) await store.addResource(resourceRecord(runId, ref, overrides));
  return runId;
}

/** Fault injection on the real document client (dynalite never throttles). */
function throttleNextDynamoCall() {
  return jest
    .spyOn(DynamoDBDocumentClient.prototype, 'send')
    .mockImplementationOnce(() => Promise.reject(namedError('ProvisionedThroughputExceededException')));
}

describe('record-result handler', () => {
  it('marks the resource COMPLETED at the current time and returns its status', async () => {
    // Prepare
    const ref = volumeRef();
    const runId = await runWith([ref, { status: 'CREATING', backupIds: ['snap-1'] }]);

    // Act
    const out = await recordResult({ runId, tier: 'daily', resource: ref, backup }, lambdaContext);

    // Assess
    expect(out).toEqual({ status: 'COMPLETED', arn: ref.arn });
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      finishedAt: NOW.toISOString(),
    });
  });

  it('is idempotent: recording the result twice leaves it COMPLETED', async () => {
    const ref = volumeRef();
    const runId = await runWith([ref, { status: 'CREATING' }]);
    await recordResult({ runId, tier: 'daily', resource: ref, backup }, lambdaContext);
    await expect(recordResult({ runId, tier: 'daily', resource: ref, backup }, lambdaContext)).resolves.toEqual({
      status: 'COMPLETED',
      arn: ref.arn,
    });
  });

  it('does not undo a failure already recorded', async () => {
    const ref = volumeRef();
    const runId = await runWith([ref, { status: 'FAILED', error: { error: 'X', cause: 'y' } }]);
    await expect(recordResult({ runId, tier: 'daily', resource: ref, backup }, lambdaContext)).resolves.toEqual({
      status: 'FAILED',
      arn: ref.arn,
    });
  });

  it('throws ThrottledError when DynamoDB throttles, for the ASL Retry', async () => {
    const ref = volumeRef();
    const runId = await runWith([ref, { status: 'CREATING' }]);
    const spy = throttleNextDynamoCall();

    const error = await caught(recordResult({ runId, tier: 'daily', resource: ref, backup }, lambdaContext));

    spy.mockRestore();
    expect(error.name).toBe('ThrottledError');
    expect((await db().store().getResource(runId, ref.arn))?.status).toBe('CREATING');
  });

  it('rejects an event without the backup state', async () => {
    await expect(recordResult({ runId: 'r', tier: 'daily', resource: volumeRef() }, lambdaContext)).rejects.toThrow(
      /^record-result: invalid event: backup/,
    );
  });
});

describe('record-failure handler', () => {
  it("marks the resource FAILED with the Lambda error's type and message", async () => {
    // Prepare
    const ref = dbRef();
    const runId = await runWith([ref, { status: 'CREATING' }]);
    const error = {
      Error: 'QuotaExceededError',
      Cause: JSON.stringify({ errorType: 'QuotaExceededError', errorMessage: 'SnapshotQuotaExceeded', trace: [] }),
    };

    // Act
    const out = await recordFailure({ runId, tier: 'daily', resource: ref, error }, lambdaContext);

    // Assess
    expect(out).toEqual({ status: 'FAILED', arn: ref.arn });
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({
      status: 'FAILED',
      finishedAt: NOW.toISOString(),
      error: { error: 'QuotaExceededError', cause: 'SnapshotQuotaExceeded' },
    });
  });

  it('records the reason of a FAILED check (a plain Cause)', async () => {
    const ref = instanceRef();
    const runId = await runWith([ref, { status: 'CREATING', backupIds: ['snap-1'] }]);
    await recordFailure(
      { runId, tier: 'daily', resource: ref, error: { Error: 'BackupFailed', Cause: 'snap-1 error: internal' } },
      lambdaContext,
    );
    expect((await db().store().getResource(runId, ref.arn))?.error).toEqual({
      error: 'BackupFailed',
      cause: 'snap-1 error: internal',
    });
  });

  it('does not turn a COMPLETED resource into a failure (a late Catch)', async () => {
    const ref = volumeRef();
    const runId = await runWith([ref, { status: 'COMPLETED' }]);
    const out = await recordFailure(
      { runId, tier: 'daily', resource: ref, error: { Error: 'States.Timeout', Cause: 'late' } },
      lambdaContext,
    );
    expect(out.status).toBe('COMPLETED');
    expect(await db().store().getResource(runId, ref.arn)).not.toHaveProperty('error');
  });

  it('throws ThrottledError when DynamoDB throttles, for the ASL Retry', async () => {
    const ref = dbRef();
    const runId = await runWith([ref, { status: 'CREATING' }]);
    const spy = throttleNextDynamoCall();

    const error = await caught(
      recordFailure({ runId, tier: 'daily', resource: ref, error: { Error: 'X', Cause: 'y' } }, lambdaContext),
    );

    spy.mockRestore();
    expect(error.name).toBe('ThrottledError');
    expect((await db().store().getResource(runId, ref.arn))?.status).toBe('CREATING');
  });

  it('rejects an event without the error', async () => {
    await expect(recordFailure({ runId: 'r', tier: 'daily', resource: dbRef() }, lambdaContext)).rejects.toThrow(
      /^record-failure: invalid event: error/,
    );
  });
});

describe('summarize-run handler', () => {
  it('returns SUCCEEDED and closes the run when everything completed or was skipped', async () => {
    // Prepare
    const runId = await runWith([volumeRef(), { status: 'COMPLETED' }], [dbRef(), { status: 'SKIPPED', note: 'x' }]);

    // Act
    const out = await summarizeRun({ runId }, lambdaContext);

    // Assess
    expect(out).toEqual({
      status: 'SUCCEEDED',
      total: 2,
      completed: 1,
      failed: 0,
      copyFailed: 0,
      skipped: 1,
      cause: '1 of 2 backups completed, 1 skipped',
    });
    expect(await db().store().getRun(runId)).toMatchObject({
      status: 'SUCCEEDED',
      finishedAt: NOW.toISOString(),
      counts: { total: 2, completed: 1, failed: 0, skipped: 1, unfinished: 0 },
    });
  });

  it('counts a resource left unfinished as failed and names the counts in the cause', async () => {
    // Prepare
    const runId = await runWith(
      [volumeRef(), { status: 'COMPLETED' }],
      [dbRef(), { status: 'FAILED', error: { error: 'QuotaExceededError', cause: 'quota' } }],
      [instanceRef(), { status: 'CREATING', backupIds: ['snap-1'] }],
    );

    // Act
    const out = await summarizeRun({ runId }, lambdaContext);

    // Assess
    expect(out).toMatchObject({ status: 'FAILED', total: 3, completed: 1, failed: 2, skipped: 0 });
    expect(out.cause).toMatch(/^2 of 3 backups failed \(1 completed, 0 skipped\): /);
    expect(out.cause).toContain(`${dbRef().arn} (QuotaExceededError: quota)`);
    expect(out.cause).toContain(`${instanceRef().arn} (Unfinished: left CREATING when the run ended)`);
    expect((await db().store().getRun(runId))?.counts).toMatchObject({ failed: 2, unfinished: 1 });
  });

  it('throws ThrottledError when DynamoDB throttles, for the ASL Retry', async () => {
    const runId = await runWith([volumeRef(), { status: 'COMPLETED' }]);
    const spy = throttleNextDynamoCall();

    const error = await caught(summarizeRun({ runId }, lambdaContext));

    spy.mockRestore();
    expect(error.name).toBe('ThrottledError');
    expect((await db().store().getRun(runId))?.status).toBe('RUNNING');
  });

  it('fails when the run has no record', async () => {
    await expect(summarizeRun({ runId: 'run-never-planned' }, lambdaContext)).rejects.toThrow();
  });
});
