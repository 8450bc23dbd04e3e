/**
 * Notify operators (after Summarize). Publishes the run notification to SNS: always when anything
 * failed or nothing matched, on success only when NOTIFY_ON_SUCCESS is set.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { dynamoDocClient, snsClient } from '../shared/clients';
import { loadEnv, notifyEnvSchema } from '../shared/env';
import { aws } from '../shared/errors';
import { defineHandler } from '../shared/handler';
import { buildNotification } from '../shared/notification';
import { logger } from '../shared/powertools';
import { StateStore } from '../shared/state-store';

export const notifyEventSchema = z.object({
  runId: z.string().min(1),
  summary: z.object({ failed: z.number() }).passthrough(),
});

export const handler = defineHandler('notify', notifyEventSchema, async (event) => {
  const env = loadEnv(notifyEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const run = await store.getRun(event.runId);
  if (!run) throw new Error(`run ${event.runId} has no record in ${env.TABLE_NAME}`);
  const notification = buildNotification(run, await store.listResources(event.runId));
  if (!notification.mustSend && !env.NOTIFY_ON_SUCCESS) {
    logger.info('run succeeded; success notifications are off');
    return { published: false };
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
  return { published: true, messageId: out.MessageId ?? null };
});
