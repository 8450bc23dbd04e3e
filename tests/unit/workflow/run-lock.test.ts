/**
 * shared/workflow/run-lock.ts and shared/state/run-lock-store.ts on a real DynamoDB (dynalite), Step
 * Functions' DescribeExecution answered by aws-sdk-client-mock: a tier's lock is taken once, a start
 * that finds it held by a run that still runs is told so, a dead holder's lock is taken over, and a
 * run releases only its own lock.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ThrottledError } from '../../../shared/errors';
import { RunLockStore } from '../../../shared/state/run-lock-store';
import { describeExecutionStatus, takeRunLock } from '../../../shared/workflow/run-lock';
import { useUnitDynalite } from '../../support/unit-dynalite';

const db = useUnitDynalite();
const sfn = mockClient(SFNClient);
const NOW = new Date('2026-01-05T02:00:00.000Z');
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
let n = 0;

/** A run of the backup state machine, as Plan knows itself. */
const aRun = (startedAt = NOW.toISOString()) => {
  const runId = `run-${++n}`;
  return {
    runId,
    executionArn: `arn:aws:states:eu-west-1:111122223333:execution:BackupPipeline-backup:${runId}`,
    startedAt,
  };
};
const locks = () => new RunLockStore(db().doc, db().tableName);
const take = (tier: string, run: ReturnType<typeof aRun>) =>
  takeRunLock({
    locks: locks(),
    tier,
    run,
    executionStatus: describeExecutionStatus(new SFNClient({ region: 'eu-west-1' })),
    now: NOW,
    log,
  });

beforeEach(() => {
  sfn.reset();
});

describe('takeRunLock', () => {
  it('takes a free lock and writes who holds it', async () => {
    // Prepare
    const run = aRun();

    // Act
    const outcome = await take('t-free', run);

    // Assess
    expect(outcome).toEqual({ outcome: 'taken' });
    expect(await locks().get('t-free')).toEqual(
      expect.objectContaining({ ...run, tier: 't-free', takenAt: NOW.toISOString() }),
    );
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('lets a retried Plan of the same run find its own lock without asking Step Functions', async () => {
    // Prepare
    const run = aRun();
    await take('t-retry', run);

    // Act
    const again = await take('t-retry', run);

    // Assess
    expect(again).toEqual({ outcome: 'taken' });
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  // PENDING_REDRIVE: an operator redrove the holder and Step Functions is about to run it again; it will
  // create backups and apply retention like a running run, so it still holds the tier.
  it.each(['RUNNING', 'PENDING_REDRIVE'] as const)(
    'reports the lock held, naming the holder and since when, while the holder is %s',
    async (status) => {
      // Prepare
      const first = aRun('2026-01-04T02:00:00.000Z');
      await take(`t-held-${status}`, first);
      sfn.on(DescribeExecutionCommand).resolves({ status });

      // Act
      const outcome = await take(`t-held-${status}`, aRun());

      // Assess
      expect(outcome).toEqual({ outcome: 'held', holder: first });
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: first.executionArn });
      expect((await locks().get(`t-held-${status}`))?.runId).toBe(first.runId);
    },
  );

  it.each([
    ['FAILED', { status: 'FAILED' }],
    ['ABORTED', { status: 'ABORTED' }],
    ['TIMED_OUT', { status: 'TIMED_OUT' }],
    ['SUCCEEDED', { status: 'SUCCEEDED' }],
  ] as const)('takes over the lock of a holder that ended %s without releasing it', async (_status, answer) => {
    // Prepare
    const dead = aRun();
    await take(`t-dead-${_status}`, dead);
    sfn.on(DescribeExecutionCommand).resolves(answer);
    const next = aRun();

    // Act
    const outcome = await take(`t-dead-${_status}`, next);

    // Assess
    expect(outcome).toEqual({ outcome: 'taken', tookOverFrom: dead });
    expect((await locks().get(`t-dead-${_status}`))?.runId).toBe(next.runId);
  });

  it('takes over the lock of a holder Step Functions no longer knows (ExecutionDoesNotExist)', async () => {
    // Prepare
    const gone = aRun();
    await take('t-gone', gone);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const next = aRun();

    // Act
    const outcome = await take('t-gone', next);

    // Assess
    expect(outcome).toEqual({ outcome: 'taken', tookOverFrom: gone });
  });

  it('lets exactly one of two starts racing for a free lock take it', async () => {
    // Prepare
    const [a, b] = [aRun(), aRun()];
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const outcomes = await Promise.all([take('t-race', a), take('t-race', b)]);

    // Assess
    const holder = (await locks().get('t-race'))?.runId;
    expect(outcomes.filter((o) => o.outcome === 'taken')).toHaveLength(1);
    const loser = outcomes.find((o) => o.outcome === 'held');
    expect(loser).toEqual({ outcome: 'held', holder: expect.objectContaining({ runId: holder }) });
  });

  it('keeps the lock of tiers apart: a run of another tier takes its own', async () => {
    // Prepare
    await take('t-daily', aRun());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const outcome = await take('t-weekly', aRun());

    // Assess
    expect(outcome).toEqual({ outcome: 'taken' });
  });

  it('fails with ThrottledError when Step Functions throttles the check (the ASL retries Plan)', async () => {
    // Prepare
    await take('t-throttled', aRun());
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const outcome = take('t-throttled', aRun());

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('RunLockStore', () => {
  it('replaces a holder only while that holder still holds the lock (a takeover never overwrites a newer one)', async () => {
    // Prepare
    const [dead, newer, late] = [aRun(), aRun(), aRun()];
    await locks().put({ ...dead, tier: 't-cas', takenAt: NOW.toISOString() });
    await locks().put({ ...newer, tier: 't-cas', takenAt: NOW.toISOString() }, dead);

    // Act
    const replaced = await locks().put({ ...late, tier: 't-cas', takenAt: NOW.toISOString() }, dead);

    // Assess
    expect(replaced).toBe(false);
    expect((await locks().get('t-cas'))?.runId).toBe(newer.runId);
  });

  it('releases only the lock this run holds', async () => {
    // Prepare
    const [holder, other] = [aRun(), aRun()];
    await locks().put({ ...holder, tier: 't-release', takenAt: NOW.toISOString() });

    // Act
    const byOther = await locks().release('t-release', other.runId);
    const stillThere = await locks().get('t-release');
    const byHolder = await locks().release('t-release', holder.runId);

    // Assess
    expect(byOther).toBe(false);
    expect(stillThere?.runId).toBe(holder.runId);
    expect(byHolder).toBe(true);
    expect(await locks().get('t-release')).toBeUndefined();
    expect(await locks().release('t-release', holder.runId)).toBe(false);
  });
});
