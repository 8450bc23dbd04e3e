/**
 * Reads what per-resource freshness needs from the state table, within a bound that does not grow
 * with the table's history: per tier with an RPO, the resource items of its runs in the recovery
 * window (the runs started within 2 × RPO before its newest run: about three runs at the default
 * schedules), and only when some protected resource has no good backup in those runs, the tier's one
 * partition of latest points (one small item per resource). At 10,000 resources that is about three
 * runs' items plus at most 10,000 small ones per tier, whether the table holds ten runs or a thousand.
 * The hourly check and `status --rpo` share it, so the CLI shows what the alarm counts.
 */
import type { TierConfig } from '../../config';
import type { RunRecord } from '../../state/records';
import type { StateStore } from '../../state/store';
import { type ResourceFreshness, recoveryWindow, resourceFreshness, tierRecovery, worstFirst } from './freshness';

/** Runs listed to find each tier's newest runs and last success (a yearly run is ~430 runs back at default tiers). */
export const FRESHNESS_RUNS = 1000;

/** The run fields freshness reads (projected: a run item also carries its retention decisions). */
export const FRESHNESS_RUN_FIELDS = ['runId', 'tier', 'status', 'dryRun', 'startedAt', 'finishedAt'] as const;

export async function readResourceFreshness(
  store: Pick<StateStore, 'listAttempts' | 'listLatestPoints'>,
  runs: readonly Pick<RunRecord, 'runId' | 'tier' | 'dryRun' | 'startedAt' | 'status'>[],
  tiers: Record<string, TierConfig>,
  now: Date,
): Promise<{ resources: ResourceFreshness[]; tiers: ReturnType<typeof tierRecovery>[] }> {
  const resources: ResourceFreshness[] = [];
  const summaries = [];
  for (const [tier, config] of Object.entries(tiers)) {
    // A tier without an RPO is started by hand: nothing to measure against.
    if (config.rpoHours === undefined) continue;
    const window = [];
    for (const run of recoveryWindow(runs, tier, config.rpoHours))
      window.push({ attempts: await store.listAttempts(run.runId) });
    let own = resourceFreshness(tier, config.rpoHours, window, [], now);
    // The latest points reach past the window: needed only for a resource with no good backup in it.
    if (own.some((r) => r.lastBackupAt === undefined))
      own = resourceFreshness(tier, config.rpoHours, window, await store.listLatestPoints(tier), now);
    resources.push(...own);
    summaries.push(tierRecovery(tier, own));
  }
  return { resources: worstFirst(resources), tiers: summaries };
}
