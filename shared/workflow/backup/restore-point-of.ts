/**
 * The restore point a completed backup leaves (issue #12): built by Record result from the resource's
 * item (its backup ids, copies, size and the restore settings Plan recorded) and the Map item (tier,
 * mode, expiry), and read by `backups`, `restore` and drills (shared/state/restore-points.ts).
 */
import type { ResourceRef } from '../../resource';
import type { ResourceRecord, RestorePoint } from '../../state/records';

export interface PointSource {
  runId: string;
  tier: string;
  expiresAt?: string | undefined;
  resource: ResourceRef;
  backup: { backupIds: string[] };
}

export function restorePointOf(event: PointSource, record: ResourceRecord): RestorePoint {
  const { resource } = event;
  return {
    arn: resource.arn,
    type: resource.type,
    ...(resource.mode ? { mode: resource.mode } : {}),
    region: resource.region,
    resourceId: resource.id,
    runId: event.runId,
    tier: event.tier,
    backupIds: record.backupIds?.length ? record.backupIds : event.backup.backupIds,
    completedAt: record.finishedAt ?? new Date().toISOString(),
    ...(event.expiresAt ? { expiresAt: event.expiresAt } : {}),
    ...(record.sizeGiB !== undefined ? { sizeGiB: record.sizeGiB } : {}),
    // Only copies that exist: a failed or skipped copy cannot be restored from.
    copies: (record.copies ?? []).filter((c) => c.status === 'COMPLETED' && c.ids.length > 0),
    // And why the others are not there: what a restore in that region says when it has nothing to restore.
    ...notCopiedOf(record),
    ...(record.restoreSettings ? { restoreSettings: record.restoreSettings } : {}),
    // The backup's start is the point in time its data is from (snapshots and backups are point-in-time).
    ...(record.startedAt ? { takenAt: record.startedAt } : {}),
    ...(record.resourceTags ? { resourceTags: record.resourceTags } : {}),
  };
}

function notCopiedOf(record: ResourceRecord): Pick<RestorePoint, 'notCopied'> {
  const missing = (record.copies ?? [])
    .filter((c) => c.status === 'SKIPPED' || c.status === 'FAILED')
    .map((c) => ({
      region: c.region,
      reason: `${c.status === 'SKIPPED' ? 'not copied' : 'copy failed'}: ${c.reason ?? 'no reason recorded'}`,
    }));
  return missing.length > 0 ? { notCopied: missing } : {};
}
