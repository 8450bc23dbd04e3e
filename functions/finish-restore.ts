/**
 * Finish the restore (last task, every path): records the outcome (a caught error, a failed check, a
 * drill's clean-up that failed with what it left), publishes the notification to SNS and the restore
 * metrics (per type: success, recovery time; drills apart), and returns whether it succeeded for the
 * state machine's final Choice.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient, snsClient } from '../shared/lambda/clients';
import { finishRestoreEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { RestoreStore } from '../shared/state/restore-store';
import { ownerTagValue } from '../shared/tags';
import { caughtErrorSchema, finishRestore, restoreProgressSchema, restoreSucceeded } from '../shared/workflow/restore';
import { publishRestore } from '../shared/workflow/restore-deps';
import { restorePlanSchema } from '../shared/workflow/restore-plan';

export const finishRestoreEventSchema = z.object({
  restore: restorePlanSchema,
  // Null on the paths that did not set them (the state machine's first state sets all three to null).
  progress: restoreProgressSchema.nullish(),
  error: caughtErrorSchema.nullish(),
  cleanupError: caughtErrorSchema.nullish(),
});

export const handler = defineHandler('finish-restore', finishRestoreEventSchema, async (event) => {
  const env = loadEnv(finishRestoreEnvSchema);
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
  await publishRestore(record, { sns: snsClient(), topicArn: env.TOPIC_ARN, stackName: env.STACK_NAME });
  const succeeded = restoreSucceeded(record);
  metrics.addDimensions({ resourceType: record.type, drill: String(record.drill) });
  metrics.addMetric(succeeded ? 'RestoresSucceeded' : 'RestoresFailed', 'Count', 1);
  if (record.recoverySeconds !== undefined) metrics.addMetric('RecoveryTime', 'Seconds', record.recoverySeconds);
  if (record.cleanup?.status === 'FAILED') metrics.addMetric('DrillCleanupsFailed', 'Count', 1);
  return { status: record.status, succeeded, restoreId: record.restoreId, cleanup: record.cleanup?.status ?? null };
});
