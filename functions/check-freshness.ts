/**
 * Check freshness (scheduled hourly, outside the state machine): shared/workflow/freshness/freshness-check.ts.
 * Publishes, per tier:
 * - `HoursSinceLastSuccessfulRun`: hours since the tier's last run that succeeded as a whole (dashboard
 *   and `status --rpo`; at thousands of resources one failure fails a run, so nothing alarms on it);
 * - `HoursSinceLastRun`: hours since the tier's last run started, whatever its outcome (the tier's
 *   run-overdue alarm: its schedule stopped firing, or never fired since the deploy);
 * - `ResourcesPastRpo`: how many protected resources' last good backup is older than the tier's RPO
 *   (the tier's RPO alarm), and `OldestRecoveryPointAgeHours`, the age of the oldest one, and
 *   `ProtectedResources`, how many are measured (shared/workflow/freshness/latest-points.ts says which and how
 *   the read stays bounded). One dimension, the tier: never one per resource.
 * Per drilled resource type (when drills are configured), `HoursSinceSuccessfulDrill` (dimension
 * resourceType, shared/workflow/drills/drill-freshness.ts): each type's drill alarm.
 * A tier with an RPO publishes `ResourcesPastRpo` every hour, 0 when it has no protected resource yet
 * (a tier that never ran after deploy does not alarm), so missing data means the check stopped: that
 * pages. A tier that never succeeded is measured from the deploy (the state table's creation).
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { freshnessEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { dynamoClient } from '../shared/services/dynamodb/client';
import { RestoreStore } from '../shared/state/restore-store';
import { StateStore } from '../shared/state/store';
import { tableCreatedAt } from '../shared/state/table';
import { checkFreshness } from '../shared/workflow/freshness/freshness-check';

export const handler = defineHandler('check-freshness', z.object({}).passthrough(), async () => {
  const env = loadEnv(freshnessEnvSchema);
  return checkFreshness({
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    restores: new RestoreStore(dynamoDocClient(), env.TABLE_NAME),
    deployedAt: () => tableCreatedAt(dynamoClient(defaultRegion()), env.TABLE_NAME),
    tiers: env.TIERS,
    defaultTier: env.DEFAULT_TIER,
    drills: env.DRILLS,
    now: now(),
    // A single metric publishes at once and forgets its dimension: one each.
    publish: (dimension, value, name, metric) => {
      const single = metrics.singleMetric();
      single.addDimension(dimension, value);
      single.addMetric(name, 'Count', metric);
    },
    log: logger,
  });
});
