/**
 * Plan the run (first state). Validates the execution input (InvalidInputError fails the execution
 * before anything is written), resolves targets by tag (in every configured region) and ARN, writes
 * the run record and one item per resource, writes the resource refs the Map backs up to the stack's
 * bucket (the Map reads them with ItemReader), and returns only where they are: `$.plan` stays the
 * same size at any fleet.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { configuredRegions } from '../shared/config';
import { defaultRegion, dynamoDocClient, s3Client } from '../shared/lambda/clients';
import { loadEnv, planEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { DRIVERS, driverFor } from '../shared/services';
import { StateStore } from '../shared/state/store';
import { checkCopyTargets } from '../shared/workflow/copy-targets';
import { planRun, validatePlanInput } from '../shared/workflow/plan';
import { writeRunItems } from '../shared/workflow/run-items';

export const planEventSchema = z.object({
  input: z.unknown(),
  runId: z.string().min(1),
  executionArn: z.string().min(1),
  startedAt: z.string().min(1),
});

export const handler = defineHandler('plan-run', planEventSchema, async (event, context) => {
  const env = loadEnv(planEnvSchema);
  const region = defaultRegion();
  const input = await validatePlanInput(
    event.input,
    {
      tiers: env.TIERS,
      defaultTier: env.DEFAULT_TIER,
      defaultTargetTags: env.DEFAULT_TARGET_TAGS,
      accountId: context.accountId,
      region,
    },
    checkCopyTargets,
  );
  const plan = await planRun({
    runId: event.runId,
    executionArn: event.executionArn,
    startedAt: event.startedAt,
    rawInput: event.input,
    input,
    region,
    regions: configuredRegions(env.REGIONS, region),
    accountId: context.accountId,
    drivers: Object.values(DRIVERS),
    driverFor,
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME, env.STATE_TTL_DAYS),
    modes: env.MODES,
    checkCopyTargets,
    now: now(),
    log: logger,
  });
  const { resources, ...small } = plan;
  const items = await writeRunItems(s3Client(region), {
    bucket: env.BACKUP_BUCKET,
    runId: event.runId,
    items: resources,
  });
  metrics.addMetric('ResourcesPlanned', 'Count', resources.length);
  return { ...small, items, maxConcurrency: env.MAP_MAX_CONCURRENCY };
});
