/**
 * Record result (per resource, last state on success): marks the resource COMPLETED and records the
 * restore point it made (its backups, copies and what a restore needs of the source), which `backups`
 * lists and the restore workflow reads. Idempotent: a retry writes the same items again.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { resourceRefSchema } from '../shared/resource';
import { backupStateSchema } from '../shared/state/backup-state';
import { RestorePointStore } from '../shared/state/restore-points';
import { StateStore } from '../shared/state/store';
import { restorePointOf } from '../shared/workflow/backup/restore-point-of';

export const recordResultEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  /** The run's expires-at (absent in executions started before the restore points). */
  expiresAt: z.string().min(1).optional(),
  resource: resourceRefSchema,
  backup: backupStateSchema,
});

export const handler = defineHandler('record-result', recordResultEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const at = now();
  // With the tier, the resource's newest good backup in it is noted for the hourly freshness check.
  const { status, record } = await store.completed(event.runId, event.resource.arn, at.toISOString(), event.tier);
  if (record && status === 'COMPLETED')
    await new RestorePointStore(dynamoDocClient(), env.TABLE_NAME).save(restorePointOf(event, record));
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric('BackupsSucceeded', 'Count', 1);
  metrics.addMetric('BackupDuration', 'Seconds', (at.getTime() - new Date(event.backup.startedAt).getTime()) / 1000);
  metrics.addMetric('PollsPerBackup', 'Count', event.backup.polls);
  return { status, arn: event.resource.arn };
});
