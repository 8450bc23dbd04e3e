/**
 * The restore workflow's steps after planning (statemachines/restore.asl.json): start, check (the state
 * machine waits between checks, never a Lambda), clean up (drills always; until AWS reports nothing
 * left) and finish (the record's final state, and what the notification says). Every step records its
 * outcome on the restore's item first or idempotently, so a retried step changes nothing twice: a
 * retried start finds what the first attempt made through the driver (restore-id tag, client token).
 *
 * The recovery time is measured from the restore's start to the restored resource's available state,
 * as AWS Backup's restore testing reports it.
 */
import { z } from 'zod';
import { InvalidResourceStateError, ResourceNotFoundError } from '../../errors';
import { RESTORE_TAG, type RestoreContext, type RestoreDriver, type RestoreTagValues } from '../../services/restore';
import type { RestoreRecord } from '../../state/records';
import type { RestoreStore } from '../../state/restore-store';
import { lambdaCauseSchema } from '../backup/failure';
import { nextWaitSeconds } from '../backup/polling';
import type { RestorePlan } from './restore-plan';

/** A restore still not available this long after its start is FAILED (`timeout`): a multi-TB RDS restore takes hours, not days. */
export const RESTORE_DEADLINE_HOURS = 48;
/** Waits between checks: restores report no progress, so the wait grows with the time spent, within these. */
/**
 * Capped at an hour: a drill's restores run inline in one execution, so every check of each counts against
 * its 25,000 history events; at the cap 25 restores checked to their 48 h deadline stay well inside them
 * (tests/unit/workflow/drills.test.ts). Until a restore has run an hour the wait is its elapsed time anyway.
 */
export const RESTORE_WAIT = { minWaitSeconds: 60, maxWaitSeconds: 3600 };
/**
 * Waits between clean-up rounds while AWS makes (a restore still `creating` cannot be deleted yet) or
 * deletes what was restored: 2 min, growing with the time spent up to 30 min, so 25 drills' clean-up
 * loops of CLEANUP_DEADLINE_HOURS stay inside one execution's 25,000 history events (about 15 rounds each).
 */
export const CLEANUP_WAIT = { minWaitSeconds: 120, maxWaitSeconds: 1800 };
/**
 * A drill's clean-up still finding something left this long after its first attempt is FAILED, with
 * what is left (listed, notified, DrillCleanupFailedAlarm). Long enough for what a failed start left
 * `creating` to become deletable (an RDS restore of a few hundred GiB takes an hour or two; EBS volumes
 * and instances minutes) and for the deletes to finish; short enough that leftovers are alarmed the same
 * day instead of the drill waiting on AWS forever (a volume stuck attached, a delete that never ends).
 */
export const CLEANUP_DEADLINE_HOURS = 6;

/** What travels through the state machine's loop (`$.progress`): small, echoed by each check. */
export const restoreProgressSchema = z.object({
  status: z.enum(['RESTORING', 'AVAILABLE', 'FAILED']),
  restoredIds: z.array(z.string()),
  startedAt: z.string(),
  deadline: z.string(),
  polls: z.number().int().min(0),
  waitSeconds: z.number().int().min(0),
  reason: z.string().nullable(),
});
export type RestoreProgress = z.infer<typeof restoreProgressSchema>;

export interface StepDeps {
  driver: RestoreDriver;
  store: Pick<RestoreStore, 'create' | 'get' | 'update'>;
  /** The managed-by value of this stack (ownerTagValue): what the restored resource is tagged restored-by. */
  owner: string;
  now: Date;
}

/** The restore's record as planned, written before anything is asked of AWS. */
export function plannedRecord(plan: RestorePlan, startedAt: string): RestoreRecord {
  return {
    restoreId: plan.restoreId,
    arn: plan.arn,
    type: plan.type,
    ...(plan.mode ? { mode: plan.mode as RestoreRecord['mode'] } : {}),
    runId: plan.runId,
    tier: plan.tier,
    sourceRegion: plan.sourceRegion,
    region: plan.region,
    backupIds: plan.backupIds,
    name: plan.name,
    drill: plan.drill,
    status: 'RESTORING',
    startedAt,
    polls: 0,
    ...(plan.wave !== undefined ? { wave: plan.wave } : {}),
    ...(plan.dataAt ? { dataAt: plan.dataAt } : {}),
  };
}

/** The restore tags what the restore makes carries. */
export function restoreTagValues(plan: RestorePlan, owner: string): RestoreTagValues {
  return {
    restoredBy: owner,
    restoreId: plan.restoreId,
    sourceArn: plan.arn,
    backupId: plan.backupIds[0] ?? '',
    drill: plan.drill,
  };
}

/** What check and remove are told of the restore: its tags, settings, and the proof of origin of what it made. */
export function restoreContext(plan: RestorePlan, owner: string, startedAt: string): RestoreContext {
  return { tags: restoreTagValues(plan, owner), settings: plan.settings, backupIds: plan.backupIds, startedAt };
}

/** Plan the restore's last act: the record, before anything is asked of AWS (a re-run keeps the first). */
export async function recordPlanned(
  plan: RestorePlan,
  store: Pick<RestoreStore, 'create'>,
  at: Date,
): Promise<'created' | 'exists'> {
  return store.create(plannedRecord(plan, at.toISOString()));
}

export async function startRestore(plan: RestorePlan, deps: StepDeps): Promise<RestoreProgress> {
  const { driver, store } = deps;
  // Plan wrote the record: the restore's start time is the first attempt's, whatever a retry sees.
  const record = await store.get(plan.restoreId);
  if (!record) throw new ResourceNotFoundError(`restore ${plan.restoreId} has no record: Plan the restore writes it`);
  const startedAt = record.startedAt;
  // The record learns what the start makes as it goes: what each create will make before the call,
  // the ids after, so a start that dies between two creates leaves a record naming the first.
  let creates = record.creates ?? [];
  let restoredIds = record.restoredIds ?? [];
  const journal = {
    async intent(what: string) {
      creates = [...creates, what];
      await store.update(plan.restoreId, { creates });
    },
    async made(ids: readonly string[]) {
      restoredIds = [...new Set([...restoredIds, ...ids])];
      await store.update(plan.restoreId, { restoredIds });
    },
  };
  const started = await driver.start({
    journal,
    restoreId: plan.restoreId,
    region: plan.region,
    sourceRegion: plan.sourceRegion,
    backupIds: plan.backupIds,
    name: plan.name,
    settings: plan.settings,
    ...(plan.placement ? { placement: plan.placement } : {}),
    tags: restoreTagValues(plan, deps.owner),
  });
  // When this restore was started (its first recorded start): an application's restores of a later wave
  // start once the earlier wave's have ended, and the record shows it.
  await store.update(plan.restoreId, {
    restoredIds: started.restoredIds,
    ...(record.startCalledAt ? {} : { startCalledAt: deps.now.toISOString() }),
  });
  return {
    status: 'RESTORING',
    restoredIds: started.restoredIds,
    startedAt,
    deadline: new Date(Date.parse(startedAt) + RESTORE_DEADLINE_HOURS * 3600_000).toISOString(),
    polls: 0,
    waitSeconds: RESTORE_WAIT.minWaitSeconds,
    reason: null,
  };
}

export async function checkRestore(
  plan: RestorePlan,
  progress: RestoreProgress,
  deps: StepDeps,
): Promise<RestoreProgress> {
  const { now } = deps;
  const checked = await deps.driver.check(
    plan.region,
    progress.restoredIds,
    restoreContext(plan, deps.owner, progress.startedAt),
  );
  const polls = progress.polls + 1;
  const elapsedSeconds = (now.getTime() - Date.parse(progress.startedAt)) / 1000;
  if (checked.status === 'AVAILABLE') {
    await deps.store.update(plan.restoreId, {
      status: 'AVAILABLE',
      polls,
      availableAt: now.toISOString(),
      recoverySeconds: Math.round(elapsedSeconds),
      shape: checked.shape,
    });
    return { ...progress, status: 'AVAILABLE', polls, waitSeconds: 0 };
  }
  const secondsToDeadline = (Date.parse(progress.deadline) - now.getTime()) / 1000;
  const reason =
    checked.status === 'FAILED'
      ? checked.reason
      : secondsToDeadline <= 0
        ? `timeout: not available ${RESTORE_DEADLINE_HOURS} h after the restore started (still ${checked.state})`
        : undefined;
  if (reason !== undefined) {
    await deps.store.update(plan.restoreId, { polls });
    return { ...progress, status: 'FAILED', polls, waitSeconds: 0, reason };
  }
  await deps.store.update(plan.restoreId, { polls });
  return {
    ...progress,
    polls,
    waitSeconds: nextWaitSeconds({ progress: undefined, elapsedSeconds, secondsToDeadline }, RESTORE_WAIT),
  };
}

export interface CleanupProgress {
  status: 'DELETING' | 'DELETED';
  waitSeconds: number;
}

/**
 * Deletes what the restore made, only what carries this stack's restored-by tag or what the driver
 * proves this restore made (it refuses anything else). The ids come from the record (written before each
 * create where the driver knows them then, a DynamoDB table's name), and a driver that can also finds
 * what carries the restore's id tag, so a drill whose start failed after a create still cleans up
 * whatever was made. Called again after a wait until AWS reports nothing left (what is still being made
 * is waited for, then deleted); then recorded DELETED. Past CLEANUP_DEADLINE_HOURS from its first attempt
 * it throws InvalidResourceStateError: the state machine's Catch records the clean-up FAILED with what is left.
 */
export async function cleanUpRestore(plan: RestorePlan, deps: StepDeps): Promise<CleanupProgress> {
  const record = await deps.store.get(plan.restoreId);
  const restoredIds = record?.restoredIds ?? [];
  let startedAt = record?.cleanupStartedAt;
  if (!startedAt) {
    startedAt = deps.now.toISOString();
    await deps.store.update(plan.restoreId, { cleanupStartedAt: startedAt });
  }
  const context = restoreContext(plan, deps.owner, record?.startedAt ?? deps.now.toISOString());
  const left =
    restoredIds.length > 0 || deps.driver.removesByRestoreTag
      ? await deps.driver.remove(plan.region, restoredIds, deps.owner, context)
      : 'gone';
  if (left === 'deleting') {
    const elapsedSeconds = (deps.now.getTime() - Date.parse(startedAt)) / 1000;
    const secondsToDeadline = CLEANUP_DEADLINE_HOURS * 3600 - elapsedSeconds;
    if (secondsToDeadline <= 0) {
      // What is left, as AWS answers now (the record's ids and what carries the restore's tag): listed by
      // Record the restore (finishRestore keeps this list) and in the notification.
      const leftovers = deps.driver.leftovers
        ? await deps.driver.leftovers(plan.region, restoredIds, plan.restoreId)
        : restoredIds;
      const cause =
        `clean-up gave up ${CLEANUP_DEADLINE_HOURS} h after its first attempt (${startedAt}): AWS still holds ` +
        `${leftovers.length > 0 ? leftovers.join(', ') : 'what it made'} (tagged ${RESTORE_TAG.restoreId}=${plan.restoreId} in ${plan.region})`;
      await deps.store.update(plan.restoreId, {
        cleanup: { status: 'FAILED', at: deps.now.toISOString(), cause, leftovers },
      });
      throw new InvalidResourceStateError(cause);
    }
    return {
      status: 'DELETING',
      waitSeconds: nextWaitSeconds({ progress: undefined, elapsedSeconds, secondsToDeadline }, CLEANUP_WAIT),
    };
  }
  await deps.store.update(plan.restoreId, { cleanup: { status: 'DELETED', at: deps.now.toISOString() } });
  return { status: 'DELETED', waitSeconds: 0 };
}

/** A Step Functions error as a Catch puts it (`$.error`): the named error and its cause. */
export const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/** The cause a Lambda task's Catch carries is the thrown error as JSON; its message is the part to show. */
export function causeOf(error: CaughtError): string {
  try {
    const parsed = lambdaCauseSchema.safeParse(JSON.parse(error.Cause ?? ''));
    if (parsed.success) return parsed.data.errorMessage;
  } catch {
    // Not JSON: Step Functions' own errors carry plain text.
  }
  return error.Cause ?? error.Error;
}

export interface FinishRequest {
  restore: RestorePlan;
  progress?: RestoreProgress | undefined;
  /** Set when a step failed (caught by the state machine). */
  error?: CaughtError | undefined;
  /** Set when a drill's clean-up failed: what is left, listed and alarmed. */
  cleanupError?: CaughtError | undefined;
}

/** The restore's final record: AVAILABLE, or FAILED with the reason, and for a drill what its clean-up did. */
export async function finishRestore(request: FinishRequest, deps: Omit<StepDeps, 'driver'>): Promise<RestoreRecord> {
  const { restore: plan, progress, error, cleanupError } = request;
  const at = deps.now.toISOString();
  const failed =
    error ?? (progress?.status === 'FAILED' ? { Error: 'RestoreFailed', Cause: progress.reason ?? '' } : undefined);
  const fields: Partial<RestoreRecord> = {
    finishedAt: at,
    ...(failed ? { status: 'FAILED', error: { error: failed.Error, cause: causeOf(failed) } } : {}),
  };
  const existing = await deps.store.get(plan.restoreId);
  if (cleanupError)
    fields.cleanup = {
      status: 'FAILED',
      at,
      cause: `${cleanupError.Error}: ${causeOf(cleanupError)}`,
      // The clean-up that gave up at its deadline listed what AWS still held; otherwise, what the record names.
      leftovers:
        (existing?.cleanup?.status === 'FAILED' ? existing.cleanup.leftovers : undefined) ??
        existing?.restoredIds ??
        progress?.restoredIds ??
        [],
    };
  return deps.store.update(plan.restoreId, fields);
}

/** Whether the restore did what it was asked: restored (and, for a drill, validated and cleaned up). */
export function restoreSucceeded(record: RestoreRecord): boolean {
  return (
    record.status === 'AVAILABLE' &&
    record.validation?.status !== 'FAILED' &&
    (!record.drill || record.cleanup?.status === 'DELETED')
  );
}
