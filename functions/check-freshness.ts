/**
 * Check freshness (scheduled hourly, outside the state machine). For each tier, publishes the hours
 * since its last successful run as a metric; the stack alarms when that passes the tier's RPO, and
 * when the metric stops arriving (missing data counts as breaching), so a schedule that silently stops
 * firing, or a checker that stops running, still pages. A tier that has never succeeded is measured
 * from the deploy (the state table's creation): no alarm fires right after deploy, and a tier whose
 * first run is overdue by its RPO does.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { freshnessEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { dynamoClient } from '../shared/services/dynamodb/client';
import { StateStore } from '../shared/state/store';
import { tierFreshness } from '../shared/workflow/freshness';

/** Hours reported for a tier that has never succeeded when the deploy time is unknown: its alarm fires. */
export const NEVER_SUCCEEDED_HOURS = 100_000;

const FRESHNESS_RUNS = 1000;

export const handler = defineHandler('check-freshness', z.object({}).passthrough(), async () => {
  const env = loadEnv(freshnessEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  // Enough runs to reach back past the longest tier (a yearly run is ~430 runs back at default tiers).
  const runs = await store.listRuns(FRESHNESS_RUNS, ['runId', 'tier', 'status', 'dryRun', 'startedAt', 'finishedAt']);
  // The pipeline was deployed when its state table was created (a redeploy keeps the table).
  const table = await dynamoClient(defaultRegion()).send(new DescribeTableCommand({ TableName: env.TABLE_NAME }));
  const freshness = tierFreshness(runs, env.TIERS, now(), table.Table?.CreationDateTime?.toISOString());
  for (const tier of freshness) {
    const single = metrics.singleMetric();
    single.addDimension('tier', tier.tier);
    single.addMetric(
      'HoursSinceLastSuccessfulRun',
      'Count',
      Math.round((tier.hoursSince ?? NEVER_SUCCEEDED_HOURS) * 100) / 100,
    );
    if (tier.breached) logger.warn('tier past its RPO', { ...tier });
  }
  return { tiers: freshness };
});
