/**
 * Notify operators (after retention). Puts one EventBridge event per run with the summary (for other
 * automation), and publishes the run notification to SNS: always when anything failed or nothing
 * matched, on success only when NOTIFY_ON_SUCCESS is set.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { aws } from '../shared/errors';
import { dynamoDocClient, eventsClient, snsClient } from '../shared/lambda/clients';
import { loadEnv, notifyEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger } from '../shared/lambda/powertools';
import { StateStore } from '../shared/state/store';
import { buildNotification, RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE, runEvent } from '../shared/workflow/notification';

export const notifyEventSchema = z.object({
  runId: z.string().min(1),
  summary: z.object({ failed: z.number() }).passthrough(),
});

export const handler = defineHandler('notify', notifyEventSchema, async (event) => {
  const env = loadEnv(notifyEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const run = await store.getRun(event.runId);
  if (!run) throw new Error(`run ${event.runId} has no record in ${env.TABLE_NAME}`);
  const records = await store.listResources(event.runId);

  const put = await aws('EventBridge PutEvents', () =>
    eventsClient().send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: env.EVENT_BUS_NAME,
            Source: RUN_EVENT_SOURCE,
            DetailType: RUN_EVENT_DETAIL_TYPE,
            Resources: [run.executionArn],
            Detail: JSON.stringify(runEvent(run, records)),
          },
        ],
      }),
    ),
  );
  const entry = put.Entries?.[0];
  if ((put.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
    throw new Error(
      `EventBridge refused the run event: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`,
    );
  }

  const notification = buildNotification(run, records);
  if (!notification.mustSend && !env.NOTIFY_ON_SUCCESS) {
    logger.info('run succeeded; success notifications are off');
    return { published: false, eventId: entry?.EventId ?? null };
  }
  const out = await aws('SNS Publish', () =>
    snsClient().send(
      new PublishCommand({
        TopicArn: env.TOPIC_ARN,
        Subject: notification.subject,
        Message: notification.message,
        MessageAttributes: {
          tier: { DataType: 'String', StringValue: run.tier },
          failed: { DataType: 'Number', StringValue: String(notification.failed) },
        },
      }),
    ),
  );
  return { published: true, messageId: out.MessageId ?? null, eventId: entry?.EventId ?? null };
});
