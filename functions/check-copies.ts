/**
 * Check copies (per resource, in the copy wait loop). Polls each region's copy through the driver,
 * records the copies on the item, and returns COPYING with the next wait, COMPLETED when every region
 * has its copy, or FAILED (with the region and reason) when one failed or ran past the deadline.
 */

import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { backupEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { driverFor } from '../shared/services';
import { copyEventSchema } from '../shared/state/backup-state';
import { StateStore } from '../shared/state/store';
import { ownerTagValue } from '../shared/tags';
import { checkCopies } from '../shared/workflow/copies/copies';

export const handler = defineHandler('check-copies', copyEventSchema, async (event) => {
  const env = loadEnv(backupEnvSchema);
  return checkCopies({
    ...event,
    // managed-by: the stack name qualified by its home region (the Lambda's region).
    stackName: ownerTagValue(env.STACK_NAME, defaultRegion()),
    polling: env.POLLING,
    driver: driverFor(event.resource.type),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    now: now(),
  });
});
