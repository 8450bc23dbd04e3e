/** Domain logic of Start backup: intent first, then the driver (which finds or creates). */

import type { PollingConfig } from '../../config';
import { InvalidResourceStateError, isRefusal } from '../../errors';
import type { ResourceRef } from '../../resource';
import type { ResourceDriver } from '../../services/driver';
import type { BackupState } from '../../state/backup-state';
import type { StateStore } from '../../state/store';
import { waitForLookupToSettle } from './lookup-settle';
import { deadlineFor, nextWaitSeconds, refusalPastDeadline } from './polling';

export interface StartBackupRequest {
  runId: string;
  tier: string;
  expiresAt: string;
  resource: ResourceRef;
  stackName: string;
  /** The stack's backup bucket (DynamoDB exports). */
  exportBucket?: string;
  polling: PollingConfig;
  driver: ResourceDriver;
  store: Pick<StateStore, 'getResource' | 'markStarting' | 'noteCreateCall' | 'saveBackup' | 'unmarkAttempt'>;
  now: Date;
}

/** Re-exported: the settle time is Start backup's contract too (docs/architecture.md). */
export { LOOKUP_SETTLE_SECONDS } from './lookup-settle';

export async function startBackup(request: StartBackupRequest): Promise<{ state: BackupState; reused: boolean }> {
  const { runId, resource, store, polling } = request;
  const at = request.now.toISOString();

  const intent = await store.markStarting(runId, resource.arn, at);
  if (intent === 'not-startable') {
    const record = await store.getResource(runId, resource.arn);
    throw new InvalidResourceStateError(
      `${resource.arn} cannot be started in run ${runId}: its record is ${record ? record.status : 'missing'}`,
    );
  }

  let backupIds = intent.backupIds;
  let startedAt = intent.startedAt;
  let reused = true;
  if (!backupIds || backupIds.length === 0 || !startedAt) {
    const mayExist = (intent.attempts ?? 1) > 1;
    const keyless = !request.driver.idempotentCreate?.(resource);
    // A retry after a keyless create waits until a lookup can see what that create made (./lookup-settle).
    if (mayExist && keyless) waitForLookupToSettle(resource.arn, intent.createCalledAt, request.now);
    // Noted before the call: if its answer is lost, the next attempt knows a create may have been made.
    if (keyless) await store.noteCreateCall(runId, resource.arn, at);
    const tags = {
      stackName: request.stackName,
      runId,
      tier: request.tier,
      sourceArn: resource.arn,
      expiresAt: request.expiresAt,
    };
    // The source's tags Plan stored on the item (validated by markStarting): the driver need not describe it.
    const sourceTags = intent.sourceTags;
    const started = await request.driver
      .start({
        resource,
        runId,
        mayExist,
        tags,
        exportBucket: request.exportBucket,
        ...(sourceTags ? { sourceTags } : {}),
      })
      .catch(async (error: unknown) => {
        // Only an answered refusal (a throttling or limit code) proves nothing was made: the retry may then
        // count as a first attempt again. A 5xx or a broken connection may follow a create that succeeded,
        // so that retry looks first (keyless creates are never retried inside the SDK: shared/lambda/clients.ts).
        if (!mayExist && isRefusal(error)) await store.unmarkAttempt(runId, resource.arn);
        throw refusalPastDeadline(error, `${resource.arn} could not be started`, intent.queuedAt, request, 'start');
      });
    backupIds = started.backupIds;
    startedAt = at;
    reused = started.reused;
    await store.saveBackup(runId, resource.arn, {
      backupIds,
      startedAt,
      deadline: deadlineFor(request.now, polling).toISOString(),
      sizeGiB: started.sizeGiB,
    });
  }
  const deadline = intent.deadline ?? deadlineFor(new Date(startedAt), polling).toISOString();
  const waitSeconds = nextWaitSeconds(
    {
      progress: undefined,
      elapsedSeconds: (request.now.getTime() - new Date(startedAt).getTime()) / 1000,
      secondsToDeadline: (new Date(deadline).getTime() - request.now.getTime()) / 1000,
    },
    polling,
  );
  return {
    reused,
    state: {
      status: 'CREATING',
      backupIds,
      startedAt,
      deadline,
      progress: 0,
      polls: intent.polls ?? 0,
      waitSeconds,
      reason: null,
    },
  };
}
