/**
 * The hourly freshness check (functions/check-freshness.ts wires it): per tier, the figures of
 * ./freshness.ts as the metrics its alarms read, and per drilled resource type the hours since a drill
 * passed (./drill-freshness.ts). Metric names and dimensions are the alarms' contract: one dimension
 * each (tier or resourceType), never one per resource.
 */
import type { DrillsConfig, TierConfig } from '../../config';
import type { Log } from '../../lambda/powertools';
import { type ResourceType, recordedType } from '../../resource';
import type { RestoreStore } from '../../state/restore-store';
import type { StateStore } from '../../state/store';
import { drillFreshness, type TypeDrillFreshness } from '../drills/drill-freshness';
import { type TierFreshness, type TierRecovery, tierFreshness } from './freshness';
import { FRESHNESS_RUN_FIELDS, FRESHNESS_RUNS, readResourceFreshness } from './latest-points';

/** Hours reported for a tier that has never succeeded (or run) when the deploy time is unknown. */
export const NEVER_SUCCEEDED_HOURS = 100_000;

/** The worst resources named in the log when a tier has resources past its RPO (the metric has the count). */
const LOGGED_RESOURCES = 20;

/** How many of the newest restores the drill freshness reads (a drill makes at most 25). */
const DRILL_RESTORES_READ = 1000;

const hundredths = (hours: number) => Math.round(hours * 100) / 100;

/** Publishes one metric of one tier or resource type (the handler wires it to Powertools). */
export type PublishMetric = (dimension: 'tier' | 'resourceType', value: string, name: string, metric: number) => void;

export interface FreshnessCheckRequest {
  store: Pick<StateStore, 'listRuns' | 'listAttempts' | 'listLatestPoints'>;
  restores: Pick<RestoreStore, 'list'>;
  /** When the pipeline was deployed (its state table's creation); undefined when AWS does not say. */
  deployedAt: () => Promise<string | undefined>;
  tiers: Record<string, TierConfig>;
  defaultTier: string;
  /** The drill configuration; null: no drills, no drill metrics. */
  drills: DrillsConfig | null;
  now: Date;
  publish: PublishMetric;
  log: Log;
}

export interface FreshnessCheckResult {
  tiers: TierFreshness[];
  recovery: TierRecovery[];
  drills: TypeDrillFreshness[];
}

export async function checkFreshness(request: FreshnessCheckRequest): Promise<FreshnessCheckResult> {
  const { store, now: at, log } = request;
  const publish = (tier: string, name: string, value: number) => request.publish('tier', tier, name, value);
  const runs = await store.listRuns(FRESHNESS_RUNS, FRESHNESS_RUN_FIELDS);
  const deployedAt = await request.deployedAt();
  const freshness = tierFreshness(runs, request.tiers, at, deployedAt);
  for (const tier of freshness) {
    publish(tier.tier, 'HoursSinceLastSuccessfulRun', hundredths(tier.hoursSince ?? NEVER_SUCCEEDED_HOURS));
    publish(tier.tier, 'HoursSinceLastRun', hundredths(tier.hoursSinceLastRun ?? NEVER_SUCCEEDED_HOURS));
    if (tier.breached) log.info('no successful run within the RPO', { ...tier });
  }
  const recovery = await readResourceFreshness(store, runs, request.tiers, at);
  for (const tier of recovery.tiers) {
    publish(tier.tier, 'ResourcesPastRpo', tier.resourcesPastRpo);
    publish(tier.tier, 'ProtectedResources', tier.protectedResources);
    if (tier.oldestAgeHours !== undefined)
      publish(tier.tier, 'OldestRecoveryPointAgeHours', hundredths(tier.oldestAgeHours));
    if (tier.resourcesPastRpo > 0)
      log.warn('resources past their RPO', {
        ...tier,
        worst: recovery.resources
          .filter((r) => r.tier === tier.tier && r.breached)
          .slice(0, LOGGED_RESOURCES)
          .map((r) => ({ arn: r.arn, ageHours: hundredths(r.ageHours), lastBackupAt: r.lastBackupAt ?? null })),
      });
  }
  const drills = request.drills
    ? await checkDrillFreshness(request, request.drills, deployedAt, recovery.resources)
    : [];
  return { tiers: freshness, recovery: recovery.tiers, drills };
}

async function checkDrillFreshness(
  request: FreshnessCheckRequest,
  drills: DrillsConfig,
  deployedAt: string | undefined,
  /** The resources the RPO check measured, by tier: the drill tier's, when it has an RPO, need no read. */
  measured: readonly { arn: string; tier: string }[],
): Promise<TypeDrillFreshness[]> {
  const tier = drills.tier ?? request.defaultTier;
  const ofTier = measured.filter((r) => r.tier === tier);
  const protectedArns = ofTier.length > 0 ? ofTier : await request.store.listLatestPoints(tier);
  const protectedTypes = new Set<ResourceType>();
  for (const point of protectedArns) {
    const type = recordedType(point);
    if (type) protectedTypes.add(type);
  }
  const restores = await request.restores.list(DRILL_RESTORES_READ);
  const types = drillFreshness(restores, {
    types: drills.types,
    protectedTypes,
    periodDays: drills.periodDays,
    now: request.now,
    deployedAt,
  });
  for (const type of types) {
    request.publish(
      'resourceType',
      type.type,
      'HoursSinceSuccessfulDrill',
      hundredths(type.hoursSince ?? NEVER_SUCCEEDED_HOURS),
    );
    if (type.breached) request.log.warn('no successful restore drill within its period', { ...type });
  }
  return types;
}
