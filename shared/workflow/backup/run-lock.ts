/**
 * No overlapping runs of a tier (issue #11 item 4). A run of a tier takes the tier's lock at Plan,
 * after its input is valid and before anything is discovered or written, and releases it as its last
 * task. A start that finds the lock held asks Step Functions whether the holder still runs: if it does,
 * this start is SKIPPED (it backs nothing up, says so in its run record, the RunsSkipped metric and the
 * notification, and the execution succeeds); if the holder ended without releasing it (failed at Plan
 * or Summarize, stopped, timed out), its lock is taken over with a write conditional on that holder.
 * Dry runs create nothing, so they neither take nor respect the lock.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsErrorName, InconsistentStateError, rethrowAws } from '../../errors';
import type { Log } from '../../lambda/powertools';
import type { RunLockHolder } from '../../state/records';
import type { RunLockStore } from '../../state/run-lock-store';
import type { StateStore } from '../../state/store';
import { skippedLine } from '../notify/notification';
import type { ValidatedInput } from './input';
import { expiryOf } from './plan';

/** An execution's status as DescribeExecution gives it, or GONE when Step Functions no longer knows it. */
export type ExecutionStatusOf = (executionArn: string) => Promise<string>;

export type RunLockOutcome =
  | { outcome: 'taken'; tookOverFrom?: RunLockHolder }
  | { outcome: 'held'; holder: RunLockHolder };

/**
 * Holder statuses that still hold the tier: running, or redriven and about to run again
 * (DescribeExecution's PENDING_REDRIVE), which will create and delete backups like a running run.
 */
const STILL_HOLDS: ReadonlySet<string> = new Set(['RUNNING', 'PENDING_REDRIVE']);

/** Rounds of take / look / take over before giving up on a lock that keeps changing hands. */
const ATTEMPTS = 3;

export interface TakeRunLockRequest {
  locks: RunLockStore;
  tier: string;
  run: RunLockHolder;
  executionStatus: ExecutionStatusOf;
  now: Date;
  log: Log;
}

export async function takeRunLock(request: TakeRunLockRequest): Promise<RunLockOutcome> {
  const { locks, tier, run, log } = request;
  const lock = { ...run, tier, takenAt: request.now.toISOString() };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await locks.put(lock)) return { outcome: 'taken' };
    const holder = await locks.get(tier);
    if (!holder) continue; // released between the two calls: try again
    const held = { runId: holder.runId, executionArn: holder.executionArn, startedAt: holder.startedAt };
    // A retried Plan of this very run finds its own lock.
    if (holder.runId === run.runId && holder.executionArn === run.executionArn) return { outcome: 'taken' };
    const status = await request.executionStatus(holder.executionArn);
    if (STILL_HOLDS.has(status)) return { outcome: 'held', holder: held };
    log.warn('taking over the run lock of a run that ended without releasing it', { tier, holder: held, status });
    if (await locks.put(lock, held)) return { outcome: 'taken', tookOverFrom: held };
  }
  const holder = await locks.get(tier);
  if (holder)
    return {
      outcome: 'held',
      holder: { runId: holder.runId, executionArn: holder.executionArn, startedAt: holder.startedAt },
    };
  throw new InconsistentStateError(
    `the run lock of tier ${tier} changed hands ${ATTEMPTS} times while run ${run.runId} started`,
  );
}

/** DescribeExecution's status; an execution Step Functions does not know (expired, deleted) is GONE. */
export function describeExecutionStatus(sfn: SFNClient): ExecutionStatusOf {
  return async (executionArn) => {
    try {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return out.status ?? 'RUNNING';
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionDoesNotExist') return 'GONE';
      rethrowAws('Step Functions DescribeExecution', error);
    }
  };
}

export interface RecordSkippedRunRequest {
  store: Pick<StateStore, 'createRun'>;
  run: RunLockHolder;
  input: Pick<ValidatedInput, 'tier' | 'dryRun' | 'reason' | 'retentionDays'>;
  rawInput: unknown;
  holder: RunLockHolder;
  now: Date;
  log: Log;
}

/**
 * Writes the run record of a skipped start: SKIPPED, finished at once, naming the run it yielded to.
 * It has no resource items, and it is no run that happened: the freshness figures ignore it.
 */
export async function recordSkippedRun(request: RecordSkippedRunRequest): Promise<void> {
  const { run, input, holder } = request;
  await request.store.createRun({
    runId: run.runId,
    tier: input.tier,
    executionArn: run.executionArn,
    startedAt: run.startedAt,
    finishedAt: request.now.toISOString(),
    status: 'SKIPPED',
    dryRun: input.dryRun,
    ...(input.reason ? { reason: input.reason } : {}),
    expiresAt: expiryOf(run.startedAt, input.retentionDays),
    input: request.rawInput,
    counts: { total: 0, completed: 0, failed: 0, skipped: 0, unfinished: 0 },
    skippedFor: holder,
  });
  request.log.warn(skippedLine({ runId: run.runId, tier: input.tier }, holder), { holder });
}

/** Whether a start goes on to plan, or was (now or by an earlier attempt) recorded SKIPPED. */
export type RunStart =
  | { outcome: 'proceed' }
  | { outcome: 'skipped'; skippedFor: RunLockHolder; expiresAt: string; newlySkipped: boolean };

export interface StartOrSkipRequest {
  store: Pick<StateStore, 'getRun' | 'createRun'>;
  locks: RunLockStore;
  executionStatus: ExecutionStatusOf;
  run: RunLockHolder;
  input: Pick<ValidatedInput, 'tier' | 'dryRun' | 'reason' | 'retentionDays'>;
  rawInput: unknown;
  /** Read when the lock is taken and again when a skip is recorded. */
  clock: () => Date;
  log: Log;
}

/**
 * Plan's first step for a run that creates backups: take the tier's lock, or record this start SKIPPED
 * when another run of the tier still holds it. A dry run creates nothing: it neither takes nor
 * respects the lock. A retried Plan of a start already recorded SKIPPED stays skipped, even if the
 * holder has ended since (`newlySkipped` false: the skip is counted once).
 */
export async function startOrSkip(request: StartOrSkipRequest): Promise<RunStart> {
  const { store, run, input } = request;
  if (input.dryRun) return { outcome: 'proceed' };
  const recorded = await store.getRun(run.runId);
  const expiresAt = recorded?.expiresAt ?? expiryOf(run.startedAt, input.retentionDays);
  if (recorded?.status === 'SKIPPED' && recorded.skippedFor)
    return { outcome: 'skipped', skippedFor: recorded.skippedFor, expiresAt, newlySkipped: false };
  const lock = await takeRunLock({
    locks: request.locks,
    tier: input.tier,
    run,
    executionStatus: request.executionStatus,
    now: request.clock(),
    log: request.log,
  });
  if (lock.outcome === 'taken') return { outcome: 'proceed' };
  await recordSkippedRun({
    store: request.store,
    run,
    input,
    rawInput: request.rawInput,
    holder: lock.holder,
    now: request.clock(),
    log: request.log,
  });
  return { outcome: 'skipped', skippedFor: lock.holder, expiresAt, newlySkipped: true };
}
