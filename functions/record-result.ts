/** Record result (per resource, last state on success): marks the resource COMPLETED. Idempotent. */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { resourceRefSchema } from '../shared/resource';
import { backupStateSchema } from '../shared/state/backup-state';
import { StateStore } from '../shared/state/store';

export const recordResultEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  resource: resourceRefSchema,
  backup: backupStateSchema,
});

export const handler = defineHandler('record-result', recordResultEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const at = now();
  // With the tier, the resource's newest good backup in it is noted for the hourly freshness check.
  const status = await store.complete(event.runId, event.resource.arn, at.toISOString(), event.tier);
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric('BackupsSucceeded', 'Count', 1);
  metrics.addMetric('BackupDuration', 'Seconds', (at.getTime() - new Date(event.backup.startedAt).getTime()) / 1000);
  metrics.addMetric('PollsPerBackup', 'Count', event.backup.polls);
  return { status, arn: event.resource.arn };
});
