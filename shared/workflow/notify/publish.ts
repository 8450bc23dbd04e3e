/**
 * Publishing a finished run (the Notify task, after retention): one EventBridge event per run with the
 * summary, for other automation, then the run notification to SNS: always when anything failed or
 * nothing matched, on success only when asked. The event goes first and must be accepted: a refusal
 * fails the task (the ASL retries it) before anyone is notified.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { aws, PipelineError } from '../../errors';
import type { Log } from '../../lambda/powertools';
import type { ResourceRecord, RunRecord } from '../../state/records';
import { buildNotification, RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE, runEvent } from './notification';

export interface PublishRunOptions {
  run: RunRecord;
  records: readonly ResourceRecord[];
  events: EventBridgeClient;
  eventBusName: string;
  sns: SNSClient;
  topicArn: string;
  /** Also notify a run that succeeded (NOTIFY_ON_SUCCESS). */
  notifyOnSuccess: boolean;
  log: Log;
}

export type PublishRunResult =
  | { published: true; messageId: string | null; eventId: string | null }
  | { published: false; eventId: string | null };

export async function publishRun(options: PublishRunOptions): Promise<PublishRunResult> {
  const { run, records } = options;
  const eventId = await putRunEvent(options);

  const notification = buildNotification(run, records);
  if (!notification.mustSend && !options.notifyOnSuccess) {
    options.log.info('run succeeded; success notifications are off');
    return { published: false, eventId };
  }
  const out = await aws('SNS Publish', () =>
    options.sns.send(
      new PublishCommand({
        TopicArn: options.topicArn,
        Subject: notification.subject,
        Message: notification.message,
        MessageAttributes: {
          tier: { DataType: 'String', StringValue: run.tier },
          failed: { DataType: 'Number', StringValue: String(notification.failed) },
        },
      }),
    ),
  );
  return { published: true, messageId: out.MessageId ?? null, eventId };
}

/**
 * EventBridge answered PutEvents with a per-entry error: the run event was not put, so nothing is
 * published. Not retried by name: Notify's Catch (States.ALL) goes on to release the run lock.
 */
export class EventRefusedError extends PipelineError {
  override readonly name = 'EventRefusedError';
}

/** The run's EventBridge event; PutEvents answers 200 with a per-entry error, which is a failure here. */
async function putRunEvent({ run, records, events, eventBusName }: PublishRunOptions): Promise<string | null> {
  const put = await aws('EventBridge PutEvents', () =>
    events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
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
    throw new EventRefusedError(
      `EventBridge refused the run event: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`,
    );
  }
  return entry?.EventId ?? null;
}
