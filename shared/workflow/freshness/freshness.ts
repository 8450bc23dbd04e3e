/**
 * Recovery-point freshness: how long since each tier last ran and last had a successful run, and how
 * old each protected resource's last good backup is, against the tier's RPO. Pure, so the scheduled check,
 * the CLI's `status --rpo` and the tests share one definition.
 */
import type { TierConfig } from '../../config';
import type { LatestPointRecord, RunRecord } from '../../state/records';
import type { ResourceAttempt } from '../../state/store';

export interface TierFreshness {
  tier: string;
  rpoHours: number | undefined;
  lastSuccessAt: string | undefined;
  /** Since the last success; for a tier that never succeeded, since the deploy when it is known. */
  hoursSince: number | undefined;
  breached: boolean;
  /** When the tier's newest run (dry runs aside) started, whatever its outcome. */
  lastRunAt: string | undefined;
  /**
   * Since lastRunAt, or since the deploy when the tier never ran: past the RPO, the tier's schedule is
   * not firing (or its runs fail before Plan records them). One failed resource never holds it back.
   */
  hoursSinceLastRun: number | undefined;
}

const hoursBetween = (from: string, to: Date) => (to.getTime() - new Date(from).getTime()) / 3_600_000;

/**
 * Per tier: the newest SUCCEEDED run (dry runs do not count) and whether the RPO is breached. A tier
 * that has never succeeded is measured from `deployedAt` (when the pipeline was deployed), so right
 * after a deploy nothing is breached until a tier's first run is overdue; without it, it is breached.
 */
export function tierFreshness(
  runs: readonly Pick<RunRecord, 'tier' | 'status' | 'dryRun' | 'startedAt' | 'finishedAt'>[],
  tiers: Record<string, TierConfig>,
  now: Date,
  deployedAt?: string,
): TierFreshness[] {
  return Object.entries(tiers).map(([tier, config]) => {
    const last = runs
      .filter((r) => r.tier === tier && r.status === 'SUCCEEDED' && !r.dryRun)
      .map((r) => r.finishedAt ?? r.startedAt)
      .sort()
      .at(-1);
    const from = last ?? deployedAt;
    const hoursSince = from ? hoursBetween(from, now) : undefined;
    const rpo = config.rpoHours;
    // A skipped start (another run of the tier still ran) is no run that happened.
    const lastRunAt = runs
      .filter((r) => r.tier === tier && !r.dryRun && r.status !== 'SKIPPED')
      .map((r) => r.startedAt)
      .sort()
      .at(-1);
    const runFrom = lastRunAt ?? deployedAt;
    return {
      tier,
      rpoHours: rpo,
      lastSuccessAt: last,
      hoursSince,
      breached: rpo !== undefined && (hoursSince === undefined || hoursSince > rpo),
      lastRunAt,
      hoursSinceLastRun: runFrom ? hoursBetween(runFrom, now) : undefined,
    };
  });
}

/** How far back from a tier's newest run attempts count, in multiples of its RPO (see recoveryWindow). */
export const WINDOW_RPOS = 2;

/**
 * The runs whose attempts make a resource protected in `tier`: the tier's runs (dry runs aside) that
 * started within WINDOW_RPOS × its RPO before its newest run. Anchored at the newest run, not at now:
 * when a schedule stops firing, the resources of its last runs stay protected and keep ageing past
 * the RPO (they page) instead of dropping out of a window that slides past them. A resource absent
 * from all of these runs (untagged, deleted) is no longer protected. Skipped starts back nothing up
 * and anchor nothing.
 */
export function recoveryWindow<R extends Pick<RunRecord, 'tier' | 'dryRun' | 'startedAt' | 'status'>>(
  runs: readonly R[],
  tier: string,
  rpoHours: number,
): R[] {
  const ofTier = runs.filter((r) => r.tier === tier && !r.dryRun && r.status !== 'SKIPPED');
  const newest = ofTier
    .map((r) => new Date(r.startedAt).getTime())
    .reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const from = newest - WINDOW_RPOS * rpoHours * 3_600_000;
  return ofTier.filter((r) => new Date(r.startedAt).getTime() >= from);
}

export interface ResourceFreshness {
  arn: string;
  tier: string;
  /** When its newest good backup in the tier finished; undefined when it never completed one. */
  lastBackupAt: string | undefined;
  /** For a resource that never completed a backup in the tier: its earliest attempt in the window. */
  firstQueuedAt: string | undefined;
  /** Since lastBackupAt, or since firstQueuedAt when it never completed. */
  ageHours: number;
  rpoHours: number;
  /** ageHours − rpoHours: positive when past the RPO (the order `status --rpo` lists them in). */
  pastRpoHours: number;
  breached: boolean;
}

/**
 * Per protected resource of `tier` (attempted, not SKIPPED, in a run of its window): the age of its
 * newest good backup, from its COMPLETED attempts in the window and its noted recovery point (which
 * reaches past the window), or, when it never completed one, since its earliest attempt in the window.
 * Worst first (`worstFirst`).
 */
export function resourceFreshness(
  tier: string,
  rpoHours: number,
  window: readonly { attempts: readonly ResourceAttempt[] }[],
  points: readonly Pick<LatestPointRecord, 'arn' | 'lastGoodAt'>[],
  now: Date,
): ResourceFreshness[] {
  const seen = new Map<string, { good?: string; queued: string }>();
  for (const { attempts } of window) {
    for (const a of attempts) {
      if (a.status === 'SKIPPED') continue;
      const entry = seen.get(a.arn) ?? { queued: a.queuedAt };
      if (a.queuedAt < entry.queued) entry.queued = a.queuedAt;
      if (a.status === 'COMPLETED' && a.finishedAt && (!entry.good || entry.good < a.finishedAt))
        entry.good = a.finishedAt;
      seen.set(a.arn, entry);
    }
  }
  for (const point of points) {
    const entry = seen.get(point.arn);
    // A resource whose only backups' copies failed has none that is good (lastGoodAt absent).
    if (entry && point.lastGoodAt && (!entry.good || entry.good < point.lastGoodAt)) entry.good = point.lastGoodAt;
  }
  return worstFirst(
    [...seen].map(([arn, { good, queued }]) => {
      const ageHours = hoursBetween(good ?? queued, now);
      return {
        arn,
        tier,
        lastBackupAt: good,
        firstQueuedAt: good ? undefined : queued,
        ageHours,
        rpoHours,
        pastRpoHours: ageHours - rpoHours,
        breached: ageHours > rpoHours,
      };
    }),
  );
}

/** Most past its RPO first (across tiers: hours past, not age), then oldest, then by ARN. */
export function worstFirst(resources: ResourceFreshness[]): ResourceFreshness[] {
  return resources.sort(
    (a, b) => b.pastRpoHours - a.pastRpoHours || b.ageHours - a.ageHours || a.arn.localeCompare(b.arn),
  );
}

/** A tier's resources in two numbers, the ones the check publishes (a bounded set of dimensions). */
export interface TierRecovery {
  tier: string;
  protectedResources: number;
  resourcesPastRpo: number;
  /** Age of the oldest protected resource's last good backup; undefined when none is protected. */
  oldestAgeHours: number | undefined;
}

export function tierRecovery(tier: string, resources: readonly ResourceFreshness[]): TierRecovery {
  const own = resources.filter((r) => r.tier === tier);
  return {
    tier,
    protectedResources: own.length,
    resourcesPastRpo: own.filter((r) => r.breached).length,
    oldestAgeHours: own.length ? own.reduce((max, r) => Math.max(max, r.ageHours), 0) : undefined,
  };
}
