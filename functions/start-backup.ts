/**
 * Start backup (per resource). Writes the intent to the state table, then asks the resource's driver
 * to start the backup, which first looks for one an earlier attempt started (DESIGN §7): running this
 * task twice never creates a second backup.
 */

import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { backupEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { driverFor } from '../shared/services';
import { itemEventSchema } from '../shared/state/backup-state';
import { StateStore } from '../shared/state/store';
import { ownerTagValue } from '../shared/tags';
import { startBackup } from '../shared/workflow/backup/backup-start';
import { tierPolling } from '../shared/workflow/backup/polling';

export const handler = defineHandler('start-backup', itemEventSchema, async (event) => {
  const env = loadEnv(backupEnvSchema);
  const result = await startBackup({
    ...event,
    // managed-by: the stack name qualified by its home region (the Lambda's region).
    stackName: ownerTagValue(env.STACK_NAME, defaultRegion()),
    exportBucket: env.BACKUP_BUCKET,
    polling: tierPolling(env.POLLING, env.DEADLINE_HOURS, event.tier),
    driver: driverFor(event.resource.type),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    now: now(),
  });
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric(result.reused ? 'BackupsReused' : 'BackupsStarted', 'Count', 1);
  return result.state;
});
