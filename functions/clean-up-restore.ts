/**
 * Clean up a drill's restore (always, whatever happened before): deletes what the restore made, only
 * what carries this stack's restored-by tag; DELETING sends the state machine round a Wait, DELETED ends.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { cleanUpRestore } from '../shared/workflow/restore/restore';
import { restoreStepDeps } from '../shared/workflow/restore/restore-deps';
import { restorePlanSchema } from '../shared/workflow/restore/restore-plan';

export const cleanUpRestoreEventSchema = z.object({ restore: restorePlanSchema });

export const handler = defineHandler('clean-up-restore', cleanUpRestoreEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  return cleanUpRestore(event.restore, restoreStepDeps(event.restore, env, dynamoDocClient(), now()));
});
