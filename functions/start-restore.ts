/**
 * Start the restore: records it, then asks the type's restore driver to restore the backup (a name in
 * use is refused with NameInUseError before anything is made; a retry finds what an earlier attempt
 * made). Returns the loop's progress for the Wait state.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { startRestore } from '../shared/workflow/restore/restore';
import { restoreStepDeps } from '../shared/workflow/restore/restore-deps';
import { restorePlanSchema } from '../shared/workflow/restore/restore-plan';

export const startRestoreEventSchema = z.object({ restore: restorePlanSchema });

export const handler = defineHandler('start-restore', startRestoreEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const progress = await startRestore(event.restore, restoreStepDeps(event.restore, env, dynamoDocClient(), now()));
  metrics.addDimensions({ resourceType: event.restore.type, drill: String(event.restore.drill) });
  metrics.addMetric('RestoresStarted', 'Count', 1);
  return progress;
});
