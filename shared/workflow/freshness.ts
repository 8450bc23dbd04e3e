/**
 * Recovery-point freshness: how long since each tier last had a successful run, and how old each
 * protected resource's last good backup is, against the tier's RPO. Pure, so the scheduled check,
 * the CLI's `status --rpo` and the tests share one definition.
 */
import type { TierConfig } from '../config';
import type { ResourceRecord, RunRecord } from '../state/records';

export interface TierFreshness {
  tier: string;
  rpoHours: number | undefined;
  lastSuccessAt: string | undefined;
  /** Since the last success; for a tier that never succeeded, since the deploy when it is known. */
  hoursSince: number | undefined;
  breached: boolean;
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
    return {
      tier,
      rpoHours: rpo,
      lastSuccessAt: last,
      hoursSince,
      breached: rpo !== undefined && (hoursSince === undefined || hoursSince > rpo),
    };
  });
}

export interface ResourceFreshness {
  arn: string;
  tier: string;
  lastBackupAt: string;
  ageHours: number;
  rpoHours: number | undefined;
  breached: boolean;
}

/** Per protected resource (and tier): age of its newest COMPLETED backup among the runs given. */
export function resourceFreshness(
  runs: readonly { run: RunRecord; resources: readonly ResourceRecord[] }[],
  tiers: Record<string, TierConfig>,
  now: Date,
): ResourceFreshness[] {
  const newest = new Map<string, { arn: string; tier: string; at: string }>();
  for (const { run, resources } of runs) {
    if (run.dryRun) continue;
    for (const r of resources) {
      if (r.status !== 'COMPLETED' || !r.finishedAt) continue;
      const key = `${r.arn}|${run.tier}`;
      const current = newest.get(key);
      if (!current || current.at < r.finishedAt) newest.set(key, { arn: r.arn, tier: run.tier, at: r.finishedAt });
    }
  }
  return [...newest.values()]
    .map(({ arn, tier, at }) => {
      const ageHours = hoursBetween(at, now);
      const rpo = tiers[tier]?.rpoHours;
      return { arn, tier, lastBackupAt: at, ageHours, rpoHours: rpo, breached: rpo !== undefined && ageHours > rpo };
    })
    .sort((a, b) => Number(b.breached) - Number(a.breached) || b.ageHours - a.ageHours);
}
