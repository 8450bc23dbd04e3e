/**
 * What the restore workflow's handlers hand its steps (functions/*-restore.ts stay thin): the type's
 * restore driver, the restore store, this stack's restored-by value (the managed-by value qualified by
 * the home region, as backups carry it), and the notification publisher.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { aws, InvalidInputError } from '../errors';
import { defaultRegion } from '../lambda/clients';
import { restoreDriverFor } from '../services';
import type { RestoreRecord } from '../state/records';
import { RestoreStore } from '../state/restore-store';
import { ownerTagValue } from '../tags';
import { restoreMessage, type StepDeps } from './restore';
import type { RestorePlan } from './restore-plan';

export function restoreStepDeps(
  plan: Pick<RestorePlan, 'type' | 'mode'>,
  env: { TABLE_NAME: string; STACK_NAME: string },
  doc: DynamoDBDocumentClient,
  now: Date,
): StepDeps {
  const driver = restoreDriverFor(plan.type, plan.mode ?? undefined);
  if (!driver)
    throw new InvalidInputError([
      { field: 'backupId', message: `a ${plan.type} backup${plan.mode ? ` (${plan.mode})` : ''} cannot be restored` },
    ]);
  return {
    driver,
    store: new RestoreStore(doc, env.TABLE_NAME),
    // managed-by of this stack: the stack name qualified by its home region (the Lambda's region).
    owner: ownerTagValue(env.STACK_NAME, defaultRegion()),
    now,
  };
}

/** Every restore is notified: an operator asked for it, or a drill's result is the evidence. */
export async function publishRestore(
  record: RestoreRecord,
  options: { sns: SNSClient; topicArn: string; stackName: string },
): Promise<string | null> {
  const message = restoreMessage(record, options.stackName);
  const out = await aws('SNS Publish (restore)', () =>
    options.sns.send(
      new PublishCommand({ TopicArn: options.topicArn, Subject: message.subject, Message: message.body }),
    ),
  );
  return out.MessageId ?? null;
}
