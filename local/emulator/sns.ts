/**
 * SNS on the emulator (awsQuery): CreateTopic, which the sandbox calls for the stack's topic, and
 * Publish, which the notify step calls (to a topic that exists, or NotFound as in AWS); messages land
 * in the model's `sns` list for tests and the run report. MessageAttributes (`MessageAttributes.entry.N.Name`) are
 * decoded by ./query.ts and accepted; the model keeps subject and message only.
 */
import * as sns from '@aws-sdk/client-sns';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export function snsActions(model: AwsModel): Record<string, ActionHandler> {
  return {
    CreateTopic: (region, input) => model.createTopic(region, input),
    Publish: (region, input) => model.publish(region, input),
  };
}

export function snsService(model: AwsModel): ServiceHandler {
  return queryService({
    dialect: 'awsQuery',
    namespace: SNS_NAMESPACE,
    sdk: sns,
    actions: snsActions(model),
  });
}
