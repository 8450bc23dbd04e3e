/**
 * Check copies (per resource, in the copy wait loop). Polls each region's copy through the driver,
 * records the copies on the item, and returns COPYING with the next wait, COMPLETED when every region
 * has its copy, or FAILED (with the region and reason) when one failed or ran past the deadline.
 */
import { copyEventSchema } from '../shared/backup-state';
import { defaultRegion, dynamoDocClient } from '../shared/clients';
import { now } from '../shared/clock';
import { checkCopies } from '../shared/copies';
import { driverFor } from '../shared/drivers';
import { backupEnvSchema, loadEnv } from '../shared/env';
import { defineHandler } from '../shared/handler';
import { StateStore } from '../shared/state-store';
import { ownerTagValue } from '../shared/tags';

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
