/**
 * Record failure (per resource): every Catch and every FAILED check lands here. Marks the resource
 * FAILED with the error name and a readable cause, so it can never hide among successes; the child
 * then ends cleanly and the other resources carry on (the readable cause: shared/workflow/failure.ts).
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { resourceRefSchema } from '../shared/resource';
import { StateStore } from '../shared/state/store';
import { describeError } from '../shared/workflow/failure';

export const recordFailureEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  resource: resourceRefSchema,
  error: z.object({ Error: z.string().optional(), Cause: z.unknown().optional() }),
});

export const handler = defineHandler('record-failure', recordFailureEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const status = await store.fail(event.runId, event.resource.arn, now().toISOString(), describeError(event.error));
  metrics.addDimensions({ resourceType: event.resource.type, tier: event.tier });
  metrics.addMetric('BackupsFailed', 'Count', status === 'FAILED' ? 1 : 0);
  return { status, arn: event.resource.arn };
});
