/**
 * A dry run's plan, as Plan records it on each resource it would back up (the item is SKIPPED: nothing is
 * created) and as the CLI and the notification read it back: what would be backed up, and where each
 * backup would be copied (region and key), or why it would not be.
 */
import type { CopyTarget } from '../../state/backup-state';
import type { ResourceRecord } from '../../state/records';

export const DRY_RUN_NOTE = 'dry run: would be backed up';

/** One selected resource's copy plan: `us-west-2 under alias/backup-dr`, or why it is not copied there. */
export function dryRunCopies(
  resource: { region: string; type: string; mode?: string | undefined },
  targets: readonly CopyTarget[],
  /** False: the type is not copied; a string: why its backups (in its mode) are not (the driver's notCopied). */
  copies: boolean | string,
): string[] {
  return targets
    .filter((t) => t.region !== resource.region)
    .map((t) =>
      copies === true
        ? `${t.region}${t.kmsKeyId ? ` under ${t.kmsKeyId}` : ''}`
        : `not copied to ${t.region} (${copies || `${resource.type}${resource.mode ? ` ${resource.mode}` : ''} backups are not copied across regions`})`,
    );
}

/** The note of a resource a dry run would back up: `dry run: would be backed up, copied to us-west-2 under …`. */
export function dryRunNote(copies: readonly string[], note?: string): string {
  const copied = copies.filter((c) => !c.startsWith('not '));
  const notCopied = copies.filter((c) => c.startsWith('not '));
  return [
    DRY_RUN_NOTE,
    copied.length ? `, copied to ${copied.join(', ')}` : '',
    notCopied.length ? `; ${notCopied.join('; ')}` : '',
    note ? ` (${note})` : '',
  ].join('');
}

/** Whether a record is a resource a dry run would have backed up (not one it skipped for a reason). */
export function wouldBeBackedUp(record: Pick<ResourceRecord, 'status' | 'note'>): boolean {
  return record.status === 'SKIPPED' && (record.note?.startsWith(DRY_RUN_NOTE) ?? false);
}

/** What a dry-run note says would happen beyond the backup: `copied to us-west-2 under alias/backup-dr`. */
export function dryRunPlan(note: string | undefined): string {
  const rest = (note ?? '').slice(DRY_RUN_NOTE.length).replace(/^[,;] /, '');
  return rest || 'backed up, not copied (no copyTo)';
}
