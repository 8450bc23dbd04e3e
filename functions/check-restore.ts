/** Check the restore (after each Wait): RESTORING with the next wait, AVAILABLE with the recovery time recorded, or FAILED. */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { checkRestore, restoreProgressSchema } from '../shared/workflow/restore/restore';
import { restoreStepDeps } from '../shared/workflow/restore/restore-deps';
import { restorePlanSchema } from '../shared/workflow/restore/restore-plan';

export const checkRestoreEventSchema = z.object({ restore: restorePlanSchema, progress: restoreProgressSchema });

export const handler = defineHandler('check-restore', checkRestoreEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  return checkRestore(event.restore, event.progress, restoreStepDeps(event.restore, env, dynamoDocClient(), now()));
});
