/**
 * Plan the run (first state). Validates the execution input (InvalidInputError fails the execution
 * before anything is written), then hands the run to shared/workflow/backup/plan-task.ts: a non-dry run takes
 * its tier's run lock or is recorded SKIPPED (RunsSkipped; the ASL notifies and succeeds), a run that
 * proceeds resolves its targets by tag (in every configured region) and ARN, writes the run record and
 * one item per resource, and writes the resource refs the Map backs up to the stack's bucket; `$.plan`
 * says only where they are.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { configuredRegions } from '../shared/config';
import { defaultRegion, dynamoDocClient, s3Client, sfnClient } from '../shared/lambda/clients';
import { loadEnv, planEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { DRIVERS, driverFor } from '../shared/services';
import { RunLockStore } from '../shared/state/run-lock-store';
import { StateStore } from '../shared/state/store';
import { validatePlanInput } from '../shared/workflow/backup/plan';
import { planOrSkip } from '../shared/workflow/backup/plan-task';
import { writeRunItems } from '../shared/workflow/backup/run-items';
import { describeExecutionStatus } from '../shared/workflow/backup/run-lock';
import { checkCopyTargets } from '../shared/workflow/copies/copy-targets';

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
  return planOrSkip({
    plan: {
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
      log: logger,
    },
    locks: new RunLockStore(dynamoDocClient(), env.TABLE_NAME),
    executionStatus: describeExecutionStatus(sfnClient(region)),
    writeItems: (items) => writeRunItems(s3Client(region), { bucket: env.BACKUP_BUCKET, runId: event.runId, items }),
    maxConcurrency: env.MAP_MAX_CONCURRENCY,
    clock: now,
    metrics: {
      runSkipped: (tier) => {
        const single = metrics.singleMetric();
        single.addDimension('tier', tier);
        single.addMetric('RunsSkipped', 'Count', 1);
      },
      resourcesPlanned: (count) => metrics.addMetric('ResourcesPlanned', 'Count', count),
    },
  });
});
