/**
 * Check backup (per resource, in the wait loop). Reads progress through the driver, records it, and
 * returns the next wait; a backup still running past its deadline is FAILED with reason `timeout`.
 */

import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { backupEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { driverFor } from '../shared/services';
import { checkEventSchema } from '../shared/state/backup-state';
import { StateStore } from '../shared/state/store';
import { checkBackup } from '../shared/workflow/backup/backup-check';

export const handler = defineHandler('check-backup', checkEventSchema, async (event) => {
  const env = loadEnv(backupEnvSchema);
  return checkBackup({
    ...event,
    polling: env.POLLING,
    driver: driverFor(event.resource.type),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    now: now(),
  });
});
