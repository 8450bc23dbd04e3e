/**
 * Plan the run (first state). Validates the execution input (InvalidInputError fails the execution
 * before anything is written), resolves targets by tag (in every configured region) and ARN, writes
 * the run record and one item per resource, writes the resource refs the Map backs up to the stack's
 * bucket (the Map reads them with ItemReader), and returns only where they are: `$.plan` stays the
 * same size at any fleet.
 * A non-dry run first takes its tier's run lock (shared/workflow/run-lock.ts): when another run of the
 * tier still runs, this one is recorded SKIPPED, counted in RunsSkipped, and returns `skipped`
 * and `skippedFor` (the ASL then notifies and succeeds without backing anything up).
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
import { checkCopyTargets } from '../shared/workflow/copy-targets';
import { expiryOf, planRun, validatePlanInput } from '../shared/workflow/plan';
import { writeRunItems } from '../shared/workflow/run-items';
import { describeExecutionStatus, recordSkippedRun, takeRunLock } from '../shared/workflow/run-lock';

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
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME, env.STATE_TTL_DAYS);
  if (!input.dryRun) {
    const thisRun = { runId: event.runId, executionArn: event.executionArn, startedAt: event.startedAt };
    // A retried Plan of a start already recorded SKIPPED stays skipped, even if the holder has ended since.
    const recorded = await store.getRun(event.runId);
    let skippedFor = recorded?.status === 'SKIPPED' ? recorded.skippedFor : undefined;
    if (!skippedFor) {
      const lock = await takeRunLock({
        locks: new RunLockStore(dynamoDocClient(), env.TABLE_NAME),
        tier: input.tier,
        run: thisRun,
        executionStatus: describeExecutionStatus(sfnClient(region)),
        now: now(),
        log: logger,
      });
      if (lock.outcome === 'held') {
        const at = now();
        await recordSkippedRun({
          store,
          run: thisRun,
          input,
          rawInput: event.input,
          holder: lock.holder,
          now: at,
          log: logger,
        });
        const single = metrics.singleMetric();
        single.addDimension('tier', input.tier);
        single.addMetric('RunsSkipped', 'Count', 1);
        skippedFor = lock.holder;
      }
    }
    if (skippedFor)
      return {
        runId: event.runId,
        tier: input.tier,
        dryRun: false,
        expiresAt: recorded?.expiresAt ?? expiryOf(event.startedAt, input.retentionDays),
        items: null,
        copyTo: [],
        counts: { total: 0, selected: 0, skipped: 0, failed: 0 },
        maxConcurrency: env.MAP_MAX_CONCURRENCY,
        skipped: true,
        skippedFor,
      };
  }
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
    store,
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
  return { ...small, items, maxConcurrency: env.MAP_MAX_CONCURRENCY, skipped: false, skippedFor: null };
});
