/**
 * Start copies (per resource, after its backup COMPLETED, when the run has `copyTo`). Starts one copy
 * per destination region through the resource's driver, or finds the one an earlier attempt started:
 * running this task twice never makes a second copy. The 20-concurrent-copies limit of a region is
 * LimitExceededError, which the state machine retries with long intervals.
 */

import { now } from '../shared/clock';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { backupEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { recoveryBucketName } from '../shared/names';
import { driverFor } from '../shared/services';
import { copyEventSchema } from '../shared/state/backup-state';
import { StateStore } from '../shared/state/store';
import { ownerTagValue } from '../shared/tags';
import { tierPolling } from '../shared/workflow/backup/polling';
import { startCopies } from '../shared/workflow/copies/copies';

export const handler = defineHandler('start-copies', copyEventSchema, async (event) => {
  const env = loadEnv(backupEnvSchema);
  const state = await startCopies({
    ...event,
    // managed-by: the stack name qualified by its home region (the Lambda's region).
    stackName: ownerTagValue(env.STACK_NAME, defaultRegion()),
    polling: tierPolling(env.POLLING, env.DEADLINE_HOURS, event.tier),
    driver: driverFor(event.resource.type),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    now: now(),
    // A region with a recovery stack has its bucket, named without a lookup (DynamoDB exports go there).
    recoveryBucket: (region, accountId) =>
      env.RECOVERY_REGIONS?.includes(region) ? recoveryBucketName(env.STACK_NAME, accountId, region) : undefined,
  });
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric('CopiesStarted', 'Count', (state.copies ?? []).filter((c) => c.status === 'COPYING').length);
  return state;
});
