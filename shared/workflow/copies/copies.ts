/**
 * The copy branch (DESIGN §3): once a backup is COMPLETED and the run has `copyTo`, Start copies
 * starts one copy per destination region (or finds it, on a retry), and Check copies polls them all
 * until every region is COMPLETED, or one FAILED. The copies travel in the loop state and are recorded
 * on the item, with their times, for status and the run report.
 *
 * A type (or mode) that cannot be copied across regions (a DynamoDB on-demand backup) gets SKIPPED
 * copies with the driver's reason, and the backup completes: the original is good and the skipped copy is visible. So does a
 * target that is the source's own region (several regions configured, one of them a copy target):
 * a copy beside the original protects nothing against losing the region.
 * The per-region concurrent-copy limit surfaces from the driver as LimitExceededError, which the ASL
 * retries with long intervals until the resource's deadline (as Start backup's refusals: a region's 20
 * copy slots can stay busy for hours at scale); copies already started in other regions are found
 * again, not repeated.
 * A copy AWS refuses for a reason only the operator can remedy (an RDS option group the destination
 * lacks) is that region's FAILED copy, with the driver's reason naming what to create or map there.
 * A copy without an idempotency key (EBS CopySnapshot) follows Start backup's settle rule
 * (./lookup-settle): its call time is recorded per region first, and a retry within the settle time waits.
 */

import type { PollingConfig } from '../../config';
import { isRefusal, ThrottledError } from '../../errors';
import type { ResourceRef } from '../../resource';
import type { ResourceDriver } from '../../services/driver';
import type { BackupState, CopyState, CopyTarget } from '../../state/backup-state';
import type { StateStore } from '../../state/store';
import { waitForLookupToSettle } from '../backup/lookup-settle';
import { deadlineFor, nextWaitSeconds, refusalPastDeadline } from '../backup/polling';

export interface CopyStepRequest {
  runId: string;
  tier: string;
  expiresAt: string;
  resource: ResourceRef;
  backup: BackupState;
  copyTo: CopyTarget[];
  stackName: string;
  polling: PollingConfig;
  driver: ResourceDriver;
  store: Pick<StateStore, 'forgetCopyCall' | 'getResource' | 'noteCopyCall' | 'saveCopies'>;
  now: Date;
  /**
   * The recovery stack's bucket in a region (config `recovery`), for copies written to S3 (DynamoDB
   * exports); undefined for a region with no recovery stack. Absent: none anywhere.
   */
  recoveryBucket?: (region: string, accountId: string) => string | undefined;
}

/** The next wait, from the slowest running copy's reported progress when every one reports it (EBS, RDS). */
function waitFor(request: CopyStepRequest, startedAt: string, deadline: string, progress: number | undefined): number {
  const nowMs = request.now.getTime();
  return nextWaitSeconds(
    {
      progress,
      elapsedSeconds: (nowMs - new Date(startedAt).getTime()) / 1000,
      secondsToDeadline: (new Date(deadline).getTime() - nowMs) / 1000,
    },
    request.polling,
  );
}

function settle(
  request: CopyStepRequest,
  copies: CopyState[],
  polls: number,
  deadline: string,
  progress?: number,
): BackupState {
  const failed = copies.find((c) => c.status === 'FAILED');
  const running = copies.some((c) => c.status === 'COPYING');
  const base = { ...request.backup, copies, polls, deadline };
  if (failed)
    return { ...base, status: 'FAILED', waitSeconds: 0, reason: `copy to ${failed.region}: ${failed.reason}` };
  if (!running) return { ...base, status: 'COMPLETED', waitSeconds: 0, reason: null };
  const firstStart = copies.map((c) => c.startedAt ?? request.now.toISOString()).sort()[0] ?? request.now.toISOString();
  return { ...base, status: 'COPYING', waitSeconds: waitFor(request, firstStart, deadline, progress), reason: null };
}

export async function startCopies(request: CopyStepRequest): Promise<BackupState> {
  const { resource, driver, backup, runId, store } = request;
  const at = request.now.toISOString();
  // A retry's input is the first attempt's: what an earlier attempt copied (and when it called a keyless
  // copy in each region) is known only from the item, read consistently.
  const record = await store.getResource(runId, resource.arn);
  const done = new Map([...(backup.copies ?? []), ...(record?.copies ?? [])].map((c) => [c.region, c]));
  const copies: CopyState[] = [];
  for (const target of request.copyTo) {
    const earlier = done.get(target.region);
    if (earlier) {
      copies.push(earlier);
      continue;
    }
    if (target.region === resource.region) {
      copies.push({
        region: target.region,
        ids: [],
        status: 'SKIPPED',
        reason: `not copied: ${target.region} is the source's own region, where its backup already is`,
        startedAt: at,
        finishedAt: at,
      });
      continue;
    }
    // A keyless copy (EBS CopySnapshot) whose answer was lost is found only by an eventually consistent
    // tag lookup: a retry soon after it waits (LimitExceededError) instead of looking and copying again.
    waitForLookupToSettle(
      `${resource.arn} copy to ${target.region}`,
      record?.copyCalledAt?.[target.region],
      request.now,
    );
    let keylessCalls = 0;
    const never = driver.notCopied?.(resource);
    const recoveryBucket = request.recoveryBucket?.(target.region, resource.accountId);
    const started = never
      ? { notCopied: never }
      : driver.copy
        ? await driver
            .copy(resource, {
              resource,
              backupIds: backup.backupIds,
              region: target.region,
              kmsKeyId: target.kmsKeyId,
              ...(target.optionGroups ? { optionGroups: target.optionGroups } : {}),
              // What Plan learned of the source (an RDS instance's option group), so the copy asks nothing more.
              ...(record?.restoreSettings ? { restoreSettings: record.restoreSettings } : {}),
              runId,
              tags: {
                stackName: request.stackName,
                runId,
                tier: request.tier,
                sourceArn: resource.arn,
                expiresAt: request.expiresAt,
              },
              // Noted before the first such call of this attempt: if an answer is lost, the retry knows.
              beforeKeylessCopy: async () => {
                if (keylessCalls++ === 0) await store.noteCopyCall(runId, resource.arn, target.region, at);
              },
              ...(recoveryBucket ? { recoveryBucket } : {}),
            })
            .catch(async (error: unknown) => {
              // AWS refused this attempt's only copy call there (the region's copy limit, a throttle): nothing
              // was copied, and the lookup before it saw what earlier attempts made, so the retry may look at once.
              if (keylessCalls === 1 && isRefusal(error))
                await store.forgetCopyCall(runId, resource.arn, target.region);
              // The region's copy limit is waited out like Start backup's refusals, up to the resource's deadline.
              throw record
                ? refusalPastDeadline(
                    error,
                    `${resource.arn} could not be copied to ${target.region}`,
                    record.queuedAt,
                    request,
                  )
                : error;
            })
        : undefined;
    if (!started || 'notCopied' in started) {
      copies.push({
        region: target.region,
        ids: [],
        status: 'SKIPPED',
        reason:
          started?.notCopied ??
          `${resource.type}${resource.mode ? ` (${resource.mode})` : ''} backups are not copied across regions`,
        startedAt: at,
        finishedAt: at,
      });
      continue;
    }
    if ('refused' in started) {
      // Nothing was copied there, and a retry would be refused alike: that region's copy FAILED with
      // the reason (what to create or map there); the other regions are still copied.
      copies.push({
        region: target.region,
        ids: [],
        status: 'FAILED',
        reason: started.refused,
        startedAt: at,
        finishedAt: at,
      });
      await store.saveCopies(runId, resource.arn, [...copies]);
      continue;
    }
    copies.push({ region: target.region, ids: started.copyIds, status: 'COPYING', reason: null, startedAt: at });
    // Recorded as soon as each region's copy exists, so a crash before the next region loses nothing.
    await store.saveCopies(runId, resource.arn, [...copies]);
  }
  const deadline = deadlineFor(request.now, request.polling).toISOString();
  const state = settle(request, copies, backup.polls, deadline);
  await request.store.saveCopies(runId, resource.arn, copies);
  return state;
}

export async function checkCopies(request: CopyStepRequest): Promise<BackupState> {
  const { resource, driver, backup } = request;
  const at = request.now.toISOString();
  const deadline = backup.deadline;
  const pastDeadline = request.now.getTime() >= new Date(deadline).getTime();
  const copies: CopyState[] = [];
  const running: (number | undefined)[] = [];
  for (const copy of backup.copies ?? []) {
    if (copy.status !== 'COPYING' || !driver.checkCopy) {
      copies.push(copy);
      continue;
    }
    // Throttling is retried by the ASL until the deadline; past it, a copy that cannot be checked times out.
    const result = await driver.checkCopy(resource, copy.region, copy.ids).catch((error: unknown) => {
      if (!(error instanceof ThrottledError) || !pastDeadline) throw error;
      return { status: 'CREATING' as const, progress: undefined };
    });
    if (result.status === 'CREATING') running.push(result.progress);
    if (result.status === 'COMPLETED') copies.push({ ...copy, status: 'COMPLETED', finishedAt: at });
    else if (result.status === 'FAILED')
      copies.push({ ...copy, status: 'FAILED', reason: result.reason, finishedAt: at });
    else if (pastDeadline)
      copies.push({
        ...copy,
        status: 'FAILED',
        reason: `timeout: still copying at the deadline ${deadline}; the copy may still finish in AWS and expires by its tags`,
        finishedAt: at,
      });
    else copies.push(copy);
  }
  const known = running.filter((p): p is number => p !== undefined);
  const progress = known.length > 0 && known.length === running.length ? Math.min(...known) : undefined;
  const state = settle(request, copies, backup.polls + 1, deadline, progress);
  await request.store.saveCopies(request.runId, resource.arn, copies);
  return state;
}
