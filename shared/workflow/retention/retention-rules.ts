/**
 * Retention decisions (DESIGN §5), pure so every rule is tested without AWS. Decisions are per backup
 * set: the backups of one source made by one run in one region (an instance's volume snapshots of a
 * run are one restore point). A set is deleted whole or kept whole, and only when it is ours, finished,
 * unheld, readably expired, outside its tier's keep-last-N, and not the newest complete set of its
 * source. Only a complete set (every member finished, none missing) is a restore point: keep-last and
 * the newest-of-source floor count complete sets, never single snapshots. Every decision names the
 * rule behind it, for dry-run output.
 *
 * A failed backup (EBS `error`, RDS `failed`) never becomes usable but is billed, and a failed RDS
 * manual snapshot counts toward the region's 100 until deleted: kept forever, they fill the quota until
 * new backups fail on it. So a set with a failed member (and none still running) is split: its failed
 * members go once expired; its completed members (the newest data of their volumes, but no restore
 * point) once expired and a newer complete set of the source exists.
 */
import type { TierConfig } from '../../config';
import type { OwnedBackup } from '../../services/driver';

/**
 * The rule that decided, as a stable code for dry-run output and tooling (the text says it for people).
 * Checked in this order; the first that keeps a set decides. `expired` means every rule allowed the
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
  | 'incomplete-set'
  | 'failed'
  | 'expired';

export interface RetentionDecision {
  backup: OwnedBackup;
  action: 'delete' | 'keep';
  ruleId: RetentionRule;
  rule: string;
  /** The set the backup belongs to (region, kind, source, run); every member gets the same decision. */
  setKey: string;
}

/**
 * The set a backup belongs to: (region, kind, source, run). A backup without a source or run tag
 * cannot be grouped safely and is a set of its own.
 */
export function setKeyOf(backup: Pick<OwnedBackup, 'region' | 'kind' | 'source' | 'runId' | 'id'>): string {
  return backup.source && backup.runId
    ? `${backup.region}|${backup.kind}|${backup.source}|${backup.runId}`
    : `${backup.region}|${backup.kind}|id:${backup.id}`;
}

interface BackupSet {
  key: string;
  members: OwnedBackup[];
  region: string;
  source: string | undefined;
  tier: string | undefined;
  /** When the set was made: its newest member's creation time. */
  createdAt: Date;
  /** Every member finished and usable. */
  finished: boolean;
  /** Members that ended failed (OwnedBackup.failed), when every other member finished. */
  failed: OwnedBackup[];
  /** Expected members (from the run's record) that are not there; empty when unknown or none missing. */
  missing: string[];
  /** A restore point: finished and nothing missing. */
  complete: boolean;
}

function buildSets(
  backups: readonly OwnedBackup[],
  expectedMembers: ReadonlyMap<string, readonly string[]> | undefined,
): BackupSet[] {
  const byKey = new Map<string, OwnedBackup[]>();
  for (const backup of backups) {
    const key = setKeyOf(backup);
    byKey.set(key, [...(byKey.get(key) ?? []), backup]);
  }
  return [...byKey.entries()].map(([key, members]) => {
    members.sort((a, b) => a.id.localeCompare(b.id));
    const present = new Set(members.map((m) => m.id));
    const missing = (expectedMembers?.get(key) ?? []).filter((id) => !present.has(id));
    const finished = members.every((m) => m.complete);
    // A set with a member still running is in progress, failed members or not.
    const settled = members.every((m) => m.complete || m.failed);
    const first = members[0] as OwnedBackup;
    return {
      key,
      members,
      region: first.region,
      source: first.source,
      tier: first.tier,
      createdAt: new Date(Math.max(...members.map((m) => m.createdAt.getTime()))),
      finished,
      failed: settled ? members.filter((m) => !m.complete) : [],
      missing,
      complete: finished && missing.length === 0,
    };
  });
}

/** The set's expiry: the latest of its members'; undefined when any member has none readable. */
function expiryOfSet(set: BackupSet): Date | undefined {
  let latest: Date | undefined;
  for (const m of set.members) {
    if (!m.expiresAt) return undefined;
    if (!latest || m.expiresAt.getTime() > latest.getTime()) latest = m.expiresAt;
  }
  return latest;
}

export function decideRetention(
  backups: readonly OwnedBackup[],
  options: {
    /** This stack's managed-by value, or every value that is this stack's in the region (ownersIn). */
    stackName: string | readonly string[];
    tiers: Record<string, TierConfig>;
    now: Date;
    /**
     * The ids each set was made with, by set key (setKeyOf), where the run's record tells them. A set
     * with any of them missing is partial: not a restore point, counted by no keep rule.
     */
    expectedMembers?: ReadonlyMap<string, readonly string[]>;
  },
): RetentionDecision[] {
  const { stackName, tiers, now } = options;
  const owners = [stackName].flat();
  const ours = backups.filter((b) => b.managedBy !== undefined && owners.includes(b.managedBy));
  const sets = buildSets(ours, options.expectedMembers);

  // Newest-first per (region, source, tier) for keep-last-N, and the newest complete set per (region,
  // source) as a floor: a copy region's restore points are counted there, so the home region's newest
  // never stands in for the DR region's last one (or the other way round).
  const byNewest = [...sets].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.key.localeCompare(b.key),
  );
  const rank = new Map<BackupSet, number>();
  const seenPerGroup = new Map<string, number>();
  const newestPerSource = new Map<string, BackupSet>();
  for (const set of byNewest) {
    if (!set.complete) continue;
    const group = `${set.region}|${set.source ?? '?'}|${set.tier ?? '?'}`;
    const index = seenPerGroup.get(group) ?? 0;
    rank.set(set, index);
    seenPerGroup.set(group, index + 1);
    const where = `${set.region}|${set.source}`;
    if (set.source && !newestPerSource.has(where)) newestPerSource.set(where, set);
  }

  return sets.flatMap((set) => {
    if (set.failed.length > 0) return decideFailedSet(set, newestPerSource, now);
    const { action, ruleId, rule } = decideSet(set, rank.get(set), newestPerSource, tiers, now);
    return set.members.map((backup): RetentionDecision => ({ backup, action, ruleId, rule, setKey: set.key }));
  });
}

type Decided = { action: 'delete' | 'keep'; ruleId: RetentionRule; rule: string };
const keep = (ruleId: RetentionRule, rule: string): Decided => ({ action: 'keep', ruleId, rule });

/** The rules every set passes before any delete: AMI holds, a readable expiry, expired. */
function heldOrUnexpired(set: BackupSet, now: Date): Decided | { expiresAt: Date } {
  const heldBy = [...new Set(set.members.flatMap((m) => m.heldBy))];
  if (heldBy.length > 0) return keep('held-by-ami', `used by AMI ${heldBy.join(', ')}`);
  const expiresAt = expiryOfSet(set);
  if (!expiresAt) return keep('no-expiry-tag', 'no readable expires-at tag: kept until a human decides');
  if (expiresAt.getTime() > now.getTime())
    return keep('not-expired', `not expired (expires ${expiresAt.toISOString()})`);
  return { expiresAt };
}

/**
 * A settled set with failed members: no restore point, so no keep rule counts it. Its failed members
 * go once the set expired; its completed members once, besides, a newer complete set of the source
 * exists in the region (until then they are the newest data of their volumes).
 */
function decideFailedSet(
  set: BackupSet,
  newestPerSource: ReadonlyMap<string, BackupSet>,
  now: Date,
): RetentionDecision[] {
  const decide = (backup: OwnedBackup, d: Decided): RetentionDecision => ({ backup, ...d, setKey: set.key });
  const gate = heldOrUnexpired(set, now);
  if (!('expiresAt' in gate)) return set.members.map((m) => decide(m, gate));
  const expired = `expired at ${gate.expiresAt.toISOString()}`;
  const failedIds = set.failed.map((m) => m.id);
  const incomplete = `incomplete set (${failedIds.length} failed: ${failedIds.join(', ')})`;
  const newer = set.source ? newestPerSource.get(`${set.region}|${set.source}`) : undefined;
  const superseded = newer && newer.createdAt.getTime() > set.createdAt.getTime() ? newer : undefined;
  return set.members.map((m) => {
    if (set.failed.includes(m))
      return decide(m, { action: 'delete', ruleId: 'failed', rule: `failed backup (never usable), ${expired}` });
    if (!superseded)
      return decide(
        m,
        keep('incomplete-set', `member of an ${incomplete}: kept until a newer complete set of its source exists`),
      );
    const run = superseded.members[0]?.runId ?? superseded.key;
    return decide(m, {
      action: 'delete',
      ruleId: 'expired',
      rule: `${expired}; ${incomplete}, not a restore point; a newer complete set exists (run ${run})`,
    });
  });
}

function decideSet(
  set: BackupSet,
  position: number | undefined,
  newestPerSource: ReadonlyMap<string, BackupSet>,
  tiers: Record<string, TierConfig>,
  now: Date,
): Decided {
  if (!set.finished) return keep('in-progress', 'in progress or not usable: never deleted');
  const gate = heldOrUnexpired(set, now);
  if (!('expiresAt' in gate)) return gate;
  const { expiresAt } = gate;
  const keepLast = set.tier && Object.hasOwn(tiers, set.tier) ? (tiers[set.tier]?.keepLast ?? 0) : 0;
  if (position !== undefined && position < keepLast)
    return keep('keep-last', `keep-last-${keepLast} for tier ${set.tier} (newest #${position + 1})`);
  if (!set.source) return keep('no-source-tag', 'no source tag: kept');
  if (newestPerSource.get(`${set.region}|${set.source}`) === set)
    return keep('newest-of-source', 'newest finished backup of its source: always kept');
  // A delete is allowed by every rule; with a keep-last in force, say how far past it this one is.
  const pastKeepLast =
    keepLast > 0 && position !== undefined
      ? `; newest #${position + 1} of tier ${set.tier}, past keep-last-${keepLast}`
      : '';
  // A partial set is no restore point, so no keep rule counted it.
  const partial =
    set.missing.length > 0
      ? `; incomplete set (${set.missing.length} member(s) missing: ${set.missing.join(', ')}), not a restore point`
      : '';
  // An AMI's snapshots go with it, so a dry-run reviewer sees them on the image's line.
  const holds = set.members.flatMap((m) => m.holds ?? []);
  const holdsText = holds.length ? `; its snapshots tagged for this stack go with it (${holds.join(', ')})` : '';
  return {
    action: 'delete',
    ruleId: 'expired',
    rule: `expired at ${expiresAt.toISOString()}${pastKeepLast}${partial}${holdsText}`,
  };
}
