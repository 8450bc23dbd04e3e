/**
 * Notify operators (after retention). Puts one EventBridge event per run with the summary (for other
 * automation), and publishes the run notification to SNS: always when anything failed or nothing
 * matched, on success only when NOTIFY_ON_SUCCESS is set (shared/workflow/notify/publish.ts).
 */
import { z } from 'zod';
import { InconsistentStateError } from '../shared/errors';
import { dynamoDocClient, eventsClient, snsClient } from '../shared/lambda/clients';
import { loadEnv, notifyEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger } from '../shared/lambda/powertools';
import { StateStore } from '../shared/state/store';
import { publishRun } from '../shared/workflow/notify/publish';

export const notifyEventSchema = z.object({
  runId: z.string().min(1),
  summary: z.object({ failed: z.number() }).passthrough(),
});

export const handler = defineHandler('notify', notifyEventSchema, async (event) => {
  const env = loadEnv(notifyEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const run = await store.getRun(event.runId);
  if (!run) throw new InconsistentStateError(`run ${event.runId} has no record in ${env.TABLE_NAME}`);
  return publishRun({
    run,
    records: await store.listResources(event.runId),
    events: eventsClient(),
    eventBusName: env.EVENT_BUS_NAME,
    sns: snsClient(),
    topicArn: env.TOPIC_ARN,
    notifyOnSuccess: env.NOTIFY_ON_SUCCESS,
    log: logger,
  });
});
