/** Domain logic of Check backup: one driver check, the deadline rule, the next wait. */

import type { PollingConfig } from '../../config';
import { ThrottledError } from '../../errors';
import type { ResourceRef } from '../../resource';
import type { ResourceDriver } from '../../services/driver';
import type { BackupState } from '../../state/backup-state';
import type { StateStore } from '../../state/store';
import { nextWaitSeconds } from './polling';

export interface CheckBackupRequest {
  runId: string;
  resource: ResourceRef;
  backup: BackupState;
  polling: PollingConfig;
  driver: ResourceDriver;
  store: Pick<StateStore, 'saveProgress'>;
  now: Date;
}

export async function checkBackup(request: CheckBackupRequest): Promise<BackupState> {
  const { backup, polling, resource } = request;
  const polls = backup.polls + 1;
  const nowMs = request.now.getTime();
  const elapsedSeconds = (nowMs - new Date(backup.startedAt).getTime()) / 1000;
  const secondsToDeadline = (new Date(backup.deadline).getTime() - nowMs) / 1000;
  // A throttled check is retried by the ASL (ThrottledError, as many attempts as the deadline needs); what
  // ends a throttling that outlasts the deadline is the deadline, as for a backup still running then.
  const result = await request.driver.check(resource, backup.backupIds).catch((error: unknown) => {
    if (!(error instanceof ThrottledError) || secondsToDeadline > 0) throw error;
    return {
      status: 'CREATING' as const,
      progress: undefined,
      throttled: `could not be checked by its deadline (still throttled: ${error.message})`,
    };
  });

  let next: BackupState;
  if (result.status === 'COMPLETED') {
    next = { ...backup, status: 'COMPLETED', progress: 100, polls, waitSeconds: 0, reason: null };
  } else if (result.status === 'FAILED') {
    next = { ...backup, status: 'FAILED', polls, waitSeconds: 0, reason: result.reason };
  } else {
    const progress = result.progress ?? backup.progress;
    if (secondsToDeadline <= 0) {
      const hours = (elapsedSeconds / 3600).toFixed(1);
      next = {
        ...backup,
        status: 'FAILED',
        progress,
        polls,
        waitSeconds: 0,
        reason:
          'throttled' in result
            ? `timeout: ${result.throttled} after ${hours} h (deadline ${backup.deadline}); the backup may still finish in AWS and expires by its tags`
            : `timeout: still ${progress}% complete after ${hours} h (deadline ${backup.deadline}); the backup may still finish in AWS and expires by its tags`,
      };
    } else {
      const waitSeconds = nextWaitSeconds({ progress: result.progress, elapsedSeconds, secondsToDeadline }, polling);
      next = { ...backup, status: 'CREATING', progress, polls, waitSeconds, reason: null };
    }
  }
  await request.store.saveProgress(request.runId, resource.arn, {
    progress: next.progress,
    polls,
    lastCheckedAt: request.now.toISOString(),
  });
  return next;
}
