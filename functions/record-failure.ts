/**
 * Record failure (per resource): every Catch and every FAILED check lands here. Marks the resource
 * FAILED with the error name and a readable cause, so it can never hide among successes; the child
 * then ends cleanly and the other resources carry on (the readable cause: shared/workflow/backup/failure.ts).
 * A backup that completed but whose copy failed still exists in its own region: its restore point is
 * saved (with the copies that did complete), so `backups` lists it and `restore` and drills can use it,
 * and noted in the tier's latest-point partition, where drills find their candidates.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { resourceRefSchema } from '../shared/resource';
import { RestorePointStore } from '../shared/state/restore-points';
import { StateStore } from '../shared/state/store';
import { describeError } from '../shared/workflow/backup/failure';
import { resourceOutcome } from '../shared/workflow/backup/outcome';
import { restorePointOf } from '../shared/workflow/backup/restore-point-of';

export const recordFailureEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  /** The run's expires-at: the restore point of a backup whose copy failed keeps it. */
  expiresAt: z.string().min(1).optional(),
  resource: resourceRefSchema,
  error: z.object({ Error: z.string().optional(), Cause: z.unknown().optional() }),
});

export const handler = defineHandler('record-failure', recordFailureEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const { status, record } = await store.failed(
    event.runId,
    event.resource.arn,
    now().toISOString(),
    describeError(event.error),
  );
  if (record && resourceOutcome(record) === 'COMPLETED_COPY_FAILED') {
    await new RestorePointStore(dynamoDocClient(), env.TABLE_NAME).save(
      restorePointOf({ ...event, backup: { backupIds: record.backupIds ?? [] } }, record),
    );
    // Among the tier's resources with a backup to restore: drills choose from them (a type whose copies
    // always fail would otherwise never be drilled), while freshness still counts no good backup.
    await store.noteCopyFailedPoint(
      event.tier,
      event.resource.arn,
      record.finishedAt ?? now().toISOString(),
      record.resourceTags,
      event.resource.type,
    );
  }
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric('BackupsFailed', 'Count', status === 'FAILED' ? 1 : 0);
  return { status, arn: event.resource.arn };
});
