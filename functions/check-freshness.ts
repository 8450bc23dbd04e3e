/**
 * Check freshness (scheduled hourly, outside the state machine). Publishes, per tier:
 * - `HoursSinceLastSuccessfulRun`: hours since the tier's last run that succeeded as a whole (dashboard
 *   and `status --rpo`; at thousands of resources one failure fails a run, so nothing alarms on it);
 * - `HoursSinceLastRun`: hours since the tier's last run started, whatever its outcome (the tier's
 *   run-overdue alarm: its schedule stopped firing, or never fired since the deploy);
 * - `ResourcesPastRpo`: how many protected resources' last good backup is older than the tier's RPO
 *   (the tier's RPO alarm), and `OldestRecoveryPointAgeHours`, the age of the oldest one, and
 *   `ProtectedResources`, how many are measured (shared/workflow/recovery-points.ts says which and how
 *   the read stays bounded). One dimension, the tier: never one per resource.
 * Per drilled resource type (when drills are configured), `HoursSinceSuccessfulDrill` (dimension
 * resourceType, shared/workflow/drill-freshness.ts): each type's drill alarm.
 * A tier with an RPO publishes `ResourcesPastRpo` every hour, 0 when it has no protected resource yet
 * (a tier that never ran after deploy does not alarm), so missing data means the check stopped: that
 * pages. A tier that never succeeded is measured from the deploy (the state table's creation).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { now } from '../shared/clock';
import type { DrillsConfig } from '../shared/config';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { freshnessEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { parseResourceArn, type ResourceType } from '../shared/resource';
import { dynamoClient } from '../shared/services/dynamodb/client';
import { RestoreStore } from '../shared/state/restore-store';
import { StateStore } from '../shared/state/store';
import { drillFreshness } from '../shared/workflow/drill-freshness';
import { tierFreshness } from '../shared/workflow/freshness';
import { FRESHNESS_RUN_FIELDS, FRESHNESS_RUNS, readResourceFreshness } from '../shared/workflow/recovery-points';

/** Hours reported for a tier that has never succeeded (or run) when the deploy time is unknown. */
export const NEVER_SUCCEEDED_HOURS = 100_000;

/** The worst resources named in the log when a tier has resources past its RPO (the metric has the count). */
const LOGGED_RESOURCES = 20;

const hundredths = (hours: number) => Math.round(hours * 100) / 100;

/** How many of the newest restores the drill freshness reads (a drill makes at most 25). */
const DRILL_RESTORES_READ = 1000;

/** One metric of one tier or type (a single metric publishes at once and forgets its dimensions: one each). */
function publish(tier: string, name: string, value: number, dimension: 'tier' | 'resourceType' = 'tier'): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, tier);
  single.addMetric(name, 'Count', value);
}

export const handler = defineHandler('check-freshness', z.object({}).passthrough(), async () => {
  const env = loadEnv(freshnessEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const at = now();
  const runs = await store.listRuns(FRESHNESS_RUNS, FRESHNESS_RUN_FIELDS);
  // The pipeline was deployed when its state table was created (a redeploy keeps the table).
  const table = await dynamoClient(defaultRegion()).send(new DescribeTableCommand({ TableName: env.TABLE_NAME }));
  const freshness = tierFreshness(runs, env.TIERS, at, table.Table?.CreationDateTime?.toISOString());
  for (const tier of freshness) {
    publish(tier.tier, 'HoursSinceLastSuccessfulRun', hundredths(tier.hoursSince ?? NEVER_SUCCEEDED_HOURS));
    publish(tier.tier, 'HoursSinceLastRun', hundredths(tier.hoursSinceLastRun ?? NEVER_SUCCEEDED_HOURS));
    if (tier.breached) logger.info('no successful run within the RPO', { ...tier });
  }
  const recovery = await readResourceFreshness(store, runs, env.TIERS, at);
  for (const tier of recovery.tiers) {
    publish(tier.tier, 'ResourcesPastRpo', tier.resourcesPastRpo);
    publish(tier.tier, 'ProtectedResources', tier.protectedResources);
    if (tier.oldestAgeHours !== undefined)
      publish(tier.tier, 'OldestRecoveryPointAgeHours', hundredths(tier.oldestAgeHours));
    if (tier.resourcesPastRpo > 0)
      logger.warn('resources past their RPO', {
        ...tier,
        worst: recovery.resources
          .filter((r) => r.tier === tier.tier && r.breached)
          .slice(0, LOGGED_RESOURCES)
          .map((r) => ({ arn: r.arn, ageHours: hundredths(r.ageHours), lastBackupAt: r.lastBackupAt ?? null })),
      });
  }
  const deployedAt = table.Table?.CreationDateTime?.toISOString();
  const drills = env.DRILLS
    ? await publishDrillFreshness(env.DRILLS, env.DEFAULT_TIER, {
        store,
        tableName: env.TABLE_NAME,
        at,
        deployedAt,
        measured: recovery.resources,
      })
    : [];
  return { tiers: freshness, recovery: recovery.tiers, drills };
});

async function publishDrillFreshness(
  drills: DrillsConfig,
  defaultTier: string,
  options: {
    store: StateStore;
    tableName: string;
    at: Date;
    deployedAt?: string | undefined;
    /** The resources the RPO check measured, by tier: the drill tier's, when it has an RPO, need no read. */
    measured: readonly { arn: string; tier: string }[];
  },
) {
  const { store, tableName, at, deployedAt } = options;
  const tier = drills.tier ?? defaultTier;
  const measured = options.measured.filter((r) => r.tier === tier);
  const protectedArns = measured.length > 0 ? measured : await store.listRecoveryPoints(tier);
  const protectedTypes = new Set<ResourceType>();
  for (const point of protectedArns) {
    const parsed = parseResourceArn(point.arn);
    if (parsed.ok) protectedTypes.add(parsed.ref.type);
  }
  const restores = await new RestoreStore(dynamoDocClient(), tableName).list(DRILL_RESTORES_READ);
  const types = drillFreshness(restores, {
    types: drills.types,
    protectedTypes,
    periodDays: drills.periodDays,
    now: at,
    deployedAt,
  });
  for (const type of types) {
    publish(
      type.type,
      'HoursSinceSuccessfulDrill',
      hundredths(type.hoursSince ?? NEVER_SUCCEEDED_HOURS),
      'resourceType',
    );
    if (type.breached) logger.warn('no successful restore drill within its period', { ...type });
  }
  return types;
}
