/**
 * Check backup (per resource, in the wait loop). Reads progress through the driver, records it, and
 * returns the next wait; a backup still running past its deadline is FAILED with reason `timeout`.
 */
import { checkEventSchema } from '../shared/backup-state';
import { checkBackup } from '../shared/check-backup';
import { dynamoDocClient } from '../shared/clients';
import { now } from '../shared/clock';
import { driverFor } from '../shared/drivers';
import { backupEnvSchema, loadEnv } from '../shared/env';
import { defineHandler } from '../shared/handler';
import { StateStore } from '../shared/state-store';

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
