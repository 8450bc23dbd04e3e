/**
 * shared/workflow/backup/run-lock.ts and shared/state/run-lock-store.ts on a real DynamoDB (dynalite), Step
 * Functions' DescribeExecution answered by aws-sdk-client-mock: a tier's lock is taken once, a start
 * that finds it held by a run that still runs is told so, a dead holder's lock is taken over, and a
 * run releases only its own lock. startOrSkip and planOrSkip (shared/workflow/backup/plan-task.ts): Plan's
 * choice between planning a run and recording its start SKIPPED, without the handler.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ThrottledError } from '../../../shared/errors';
import { RunLockStore } from '../../../shared/state/run-lock-store';
import { planOrSkip } from '../../../shared/workflow/backup/plan-task';
import { describeExecutionStatus, startOrSkip, takeRunLock } from '../../../shared/workflow/backup/run-lock';
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

const INPUT = { tier: 'daily', dryRun: false, reason: undefined, retentionDays: 7 };
const startOf = (run: ReturnType<typeof aRun>, input: typeof INPUT = INPUT) =>
  startOrSkip({
    store: db().store(),
    locks: locks(),
    executionStatus: describeExecutionStatus(new SFNClient({ region: 'eu-west-1' })),
    run,
    input,
    rawInput: {},
    clock: () => NOW,
    log,
  });

describe('startOrSkip', () => {
  it('proceeds with the lock taken when the tier is free', async () => {
    // Prepare
    const run = aRun();
    const input = { ...INPUT, tier: 's-free' };

    // Act
    const start = await startOf(run, input);

    // Assess
    expect(start).toEqual({ outcome: 'proceed' });
    expect((await locks().get('s-free'))?.runId).toBe(run.runId);
  });

  it('records a start SKIPPED while the holder still runs, and a retry of it stays skipped after the holder ended', async () => {
    // Prepare
    const [holder, late] = [aRun(), aRun()];
    const input = { ...INPUT, tier: 's-held' };
    await startOf(holder, input);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const first = await startOf(late, input);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    const retried = await startOf(late, input);

    // Assess
    const expiresAt = new Date(NOW.getTime() + 7 * 86_400_000).toISOString();
    expect(first).toEqual({ outcome: 'skipped', skippedFor: holder, expiresAt, newlySkipped: true });
    expect(retried).toEqual({ outcome: 'skipped', skippedFor: holder, expiresAt, newlySkipped: false });
    expect(await db().store().getRun(late.runId)).toEqual(
      expect.objectContaining({ status: 'SKIPPED', skippedFor: holder, tier: 's-held' }),
    );
  });

  it('lets a dry run proceed without taking or reading the lock', async () => {
    // Prepare
    const [holder, dry] = [aRun(), aRun()];
    await startOf(holder, { ...INPUT, tier: 's-dry' });

    // Act
    const start = await startOf(dry, { ...INPUT, tier: 's-dry', dryRun: true });

    // Assess
    expect(start).toEqual({ outcome: 'proceed' });
    expect((await locks().get('s-dry'))?.runId).toBe(holder.runId);
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(await db().store().getRun(dry.runId)).toBeUndefined();
  });
});

describe('planOrSkip', () => {
  const planTask = (run: ReturnType<typeof aRun>, tier: string, counted: string[]) =>
    planOrSkip({
      plan: {
        ...run,
        rawInput: {},
        input: { ...INPUT, tier, tags: { backup: 'true' }, resources: [], copyTo: [] },
        region: 'eu-west-1',
        regions: ['eu-west-1'],
        accountId: '111122223333',
        drivers: [],
        driverFor: () => {
          throw new Error('no explicit resources in these plans');
        },
        store: db().store(),
        modes: { defaults: {}, resources: {} },
        checkCopyTargets: async (copyTo) => ({ targets: [...copyTo], problems: [] }),
        log,
      },
      locks: locks(),
      executionStatus: describeExecutionStatus(new SFNClient({ region: 'eu-west-1' })),
      writeItems: async (items) => ({
        bucket: 'b',
        key: `runs/${run.runId}/items.json`,
        resultsPrefix: 'r',
        count: items.length,
      }),
      maxConcurrency: 40,
      clock: () => NOW,
      metrics: {
        runSkipped: (t) => counted.push(`RunsSkipped ${t}`),
        resourcesPlanned: (count) => counted.push(`ResourcesPlanned ${count}`),
      },
    });

  it('plans a run that takes the lock, writes its items and counts what it planned', async () => {
    // Prepare
    const run = aRun();
    const counted: string[] = [];

    // Act
    const result = await planTask(run, 'p-free', counted);

    // Assess
    expect(result).toEqual(
      expect.objectContaining({
        runId: run.runId,
        tier: 'p-free',
        items: expect.objectContaining({ count: 0 }),
        maxConcurrency: 40,
        skipped: false,
        skippedFor: null,
      }),
    );
    expect(counted).toEqual(['ResourcesPlanned 0']);
    expect((await db().store().getRun(run.runId))?.status).toBe('RUNNING');
  });

  it('returns a skipped plan with no items while another run of the tier runs, counted once', async () => {
    // Prepare
    const [holder, late] = [aRun(), aRun()];
    await planTask(holder, 'p-held', []);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const counted: string[] = [];

    // Act
    const result = await planTask(late, 'p-held', counted);
    const retried = await planTask(late, 'p-held', counted);

    // Assess
    expect(result).toEqual({
      runId: late.runId,
      tier: 'p-held',
      dryRun: false,
      expiresAt: new Date(NOW.getTime() + 7 * 86_400_000).toISOString(),
      items: null,
      copyTo: [],
      counts: { total: 0, selected: 0, skipped: 0, failed: 0 },
      maxConcurrency: 40,
      skipped: true,
      skippedFor: holder,
    });
    expect(retried).toEqual(result);
    expect(counted).toEqual(['RunsSkipped p-held']);
  });
});
