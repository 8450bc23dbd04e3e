/**
 * Record the restore (last task of each restore, every path): records the outcome (a caught error, a
 * failed check or validation, a drill's clean-up that failed with what it left) and the restore metrics
 * (per type: success, recovery time; drills apart), releases the restore's name claim (taken at Plan),
 * and returns whether it succeeded. The execution's
 * one notification follows the Map (notify-restores).
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { NameClaimStore } from '../shared/state/name-claims';
import { RestoreStore } from '../shared/state/restore-store';
import { ownerTagValue } from '../shared/tags';
import {
  caughtErrorSchema,
  finishRestore,
  restoreProgressSchema,
  restoreSucceeded,
} from '../shared/workflow/restore/restore';
import { releaseRestoreName } from '../shared/workflow/restore/restore-name-claims';
import { restorePlanSchema } from '../shared/workflow/restore/restore-plan';

export const finishRestoreEventSchema = z.object({
  restore: restorePlanSchema,
  // Null on the paths that did not set them (the Map's item selector sets all of them to null).
  progress: restoreProgressSchema.nullish(),
  error: caughtErrorSchema.nullish(),
  cleanupError: caughtErrorSchema.nullish(),
});

export const handler = defineHandler('finish-restore', finishRestoreEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const record = await finishRestore(
    {
      restore: event.restore,
      progress: event.progress ?? undefined,
      error: event.error ?? undefined,
      cleanupError: event.cleanupError ?? undefined,
    },
    {
      store: new RestoreStore(dynamoDocClient(), env.TABLE_NAME),
      owner: ownerTagValue(env.STACK_NAME, defaultRegion()),
      now: now(),
    },
  );
  // What the restore made holds its name from now on (a drill's, cleaned up: nothing does).
  await releaseRestoreName(event.restore, new NameClaimStore(dynamoDocClient(), env.TABLE_NAME), now());
  const succeeded = restoreSucceeded(record);
  metrics.addDimensions({ resourceType: record.type, drill: String(record.drill) });
  metrics.addMetric(succeeded ? 'RestoresSucceeded' : 'RestoresFailed', 'Count', 1);
  if (record.recoverySeconds !== undefined) metrics.addMetric('RecoveryTime', 'Seconds', record.recoverySeconds);
  if (record.validation?.status === 'FAILED') metrics.addMetric('DrillValidationsFailed', 'Count', 1);
  // Alarmed (DrillCleanupFailedAlarm) on the service dimension alone, whatever the type: published apart.
  if (record.cleanup?.status === 'FAILED') metrics.singleMetric().addMetric('DrillCleanupsFailed', 'Count', 1);
  return { status: record.status, succeeded, restoreId: record.restoreId };
});
