/**
 * Retention decisions (DESIGN §5), pure so every rule is tested without AWS. A backup is deleted only
 * when it is ours, finished, unheld, readably expired, outside its tier's keep-last-N, and not the
 * newest finished backup of its source. Every decision names the rule behind it, for dry-run output.
 */
import type { TierConfig } from './config';
import type { OwnedBackup } from './drivers/driver';

/**
 * The rule that decided, as a stable code for dry-run output and tooling (the text says it for people).
 * Checked in this order; the first that keeps a backup decides. `expired` means every rule allowed the
 * delete. Foreign and untagged backups never get here: the stores list only this stack's own.
 */
export type RetentionRule =
  | 'in-progress'
  | 'held-by-ami'
  | 'no-expiry-tag'
  | 'not-expired'
  | 'keep-last'
  | 'no-source-tag'
  | 'newest-of-source'
  | 'expired';

export interface RetentionDecision {
  backup: OwnedBackup;
  action: 'delete' | 'keep';
  ruleId: RetentionRule;
  rule: string;
}

export function decideRetention(
  backups: readonly OwnedBackup[],
  options: { stackName: string; tiers: Record<string, TierConfig>; now: Date },
): RetentionDecision[] {
  const { stackName, tiers, now } = options;
  const ours = backups.filter((b) => b.managedBy === stackName);

  // Newest-first per (source, tier) for keep-last-N, and newest finished per source as a safety floor.
  const byNewest = [...ours].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const rank = new Map<OwnedBackup, number>();
  const seenPerGroup = new Map<string, number>();
  const newestPerSource = new Map<string, OwnedBackup>();
  for (const backup of byNewest) {
    if (!backup.complete) continue;
    const group = `${backup.source ?? '?'}|${backup.tier ?? '?'}`;
    const index = seenPerGroup.get(group) ?? 0;
    rank.set(backup, index);
    seenPerGroup.set(group, index + 1);
    if (backup.source && !newestPerSource.has(backup.source)) newestPerSource.set(backup.source, backup);
  }

  return ours.map((backup): RetentionDecision => {
    const keep = (ruleId: RetentionRule, rule: string): RetentionDecision => ({ backup, action: 'keep', ruleId, rule });
    if (!backup.complete) return keep('in-progress', 'in progress or not usable: never deleted');
    if (backup.heldBy.length > 0) return keep('held-by-ami', `used by AMI ${backup.heldBy.join(', ')}`);
    if (!backup.expiresAt) return keep('no-expiry-tag', 'no readable expires-at tag: kept until a human decides');
    if (backup.expiresAt.getTime() > now.getTime())
      return keep('not-expired', `not expired (expires ${backup.expiresAt.toISOString()})`);
    const keepLast = backup.tier ? (tiers[backup.tier]?.keepLast ?? 0) : 0;
    const position = rank.get(backup) ?? 0;
    if (position < keepLast)
      return keep('keep-last', `keep-last-${keepLast} for tier ${backup.tier} (newest #${position + 1})`);
    if (!backup.source) return keep('no-source-tag', 'no source tag: kept');
    if (newestPerSource.get(backup.source) === backup)
      return keep('newest-of-source', 'newest finished backup of its source: always kept');
    // A delete is allowed by every rule; with a keep-last in force, say how far past it this one is.
    const pastKeepLast =
      keepLast > 0 ? `; newest #${position + 1} of tier ${backup.tier}, past keep-last-${keepLast}` : '';
    // An AMI's snapshots go with it, so a dry-run reviewer sees them on the image's line.
    const holds = backup.holds?.length
      ? `; its snapshots tagged for this stack go with it (${backup.holds.join(', ')})`
      : '';
    return {
      backup,
      action: 'delete',
      ruleId: 'expired',
      rule: `expired at ${backup.expiresAt.toISOString()}${pastKeepLast}${holds}`,
    };
  });
}
