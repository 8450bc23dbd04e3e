/**
 * Validate the restored resource (a drill, once it is available): its recorded shape, then the
 * validation Lambda the drill configuration names, if any. Returns PASSED or FAILED with why, recorded
 * on the restore; the drill's clean-up follows either way.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient, lambdaClient } from '../shared/lambda/clients';
import { loadEnv, validateRestoreEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { RestoreStore } from '../shared/state/restore-store';
import { restoreProgressSchema } from '../shared/workflow/restore/restore';
import { lambdaValidationInvoker } from '../shared/workflow/restore/restore-deps';
import { restorePlanSchema } from '../shared/workflow/restore/restore-plan';
import { validateRestore } from '../shared/workflow/restore/restore-validation';

export const validateRestoreEventSchema = z.object({ restore: restorePlanSchema, progress: restoreProgressSchema });

export const handler = defineHandler('validate-restore', validateRestoreEventSchema, async (event) => {
  const env = loadEnv(validateRestoreEnvSchema);
  return validateRestore(event.restore, event.progress, {
    store: new RestoreStore(dynamoDocClient(), env.TABLE_NAME),
    invoke: lambdaValidationInvoker(lambdaClient),
    functionArn: env.VALIDATION_FUNCTION_ARN || undefined,
    now: now(),
  });
});
