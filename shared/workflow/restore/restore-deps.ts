/**
 * What the restore workflow's handlers hand its steps (functions/*-restore.ts stay thin): the type's
 * restore driver, the restore store, this stack's restored-by value (the managed-by value qualified by
 * the home region, as backups carry it), the notification publisher and the validation Lambda's invoker.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { aws, InvalidInputError } from '../../errors';
import { defaultRegion } from '../../lambda/clients';
import { arnRegion } from '../../resource';
import { restoreDriverFor } from '../../services/index';
import type { RestoreRecord } from '../../state/records';
import { RestoreStore } from '../../state/restore-store';
import { ownerTagValue } from '../../tags';
import type { SkippedTarget } from '../drills/drill-selection';
import type { StepDeps } from './restore';
import { restoresMessage } from './restore-notification';
import type { RestorePlan } from './restore-plan';
import type { ValidationInvoker } from './restore-validation';

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

/** Every restore execution is notified once: an operator asked for it, or a drill's result is the evidence. */
export async function publishRestores(
  records: readonly RestoreRecord[],
  skipped: readonly SkippedTarget[],
  options: { sns: SNSClient; topicArn: string; stackName: string; executionName: string; drill: boolean },
): Promise<string | null> {
  const message = restoresMessage(records, skipped, options);
  const out = await aws('SNS Publish (restore)', () =>
    options.sns.send(
      new PublishCommand({ TopicArn: options.topicArn, Subject: message.subject, Message: message.body }),
    ),
  );
  return out.MessageId ?? null;
}

/**
 * Invokes a drill's validation function in its own region (the ARN says which), synchronously. A function
 * error (thrown in the function) is an answer, not a failure of this step; throttling is ThrottledError.
 */
/** What the Lambda runtime answers for a function error: `{ errorType, errorMessage, trace }`. */
const functionErrorPayloadSchema = z.object({ errorMessage: z.string() });

export function lambdaValidationInvoker(client: (region: string) => LambdaClient): ValidationInvoker {
  return async (functionArn, event) => {
    const region = arnRegion(functionArn) ?? defaultRegion();
    const out = await aws(`Lambda Invoke ${functionArn}`, () =>
      client(region).send(
        new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
      ),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = text;
    }
    if (out.FunctionError) {
      const error = functionErrorPayloadSchema.safeParse(payload);
      return { functionError: error.success ? error.data.errorMessage : out.FunctionError };
    }
    return { payload };
  };
}
