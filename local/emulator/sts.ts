/**
 * STS on the emulator (awsQuery): GetCallerIdentity, which the sandbox asks for the account it runs in,
 * as a deployed Lambda reads it from its context, so ARNs it builds name the endpoint's account.
 */
import * as sts from '@aws-sdk/client-sts';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function stsActions(model: AwsModel): Record<string, ActionHandler> {
  return { GetCallerIdentity: () => model.getCallerIdentity() };
}

export function stsService(model: AwsModel): ServiceHandler {
  return queryService({ dialect: 'awsQuery', namespace: STS_NAMESPACE, sdk: sts, actions: stsActions(model) });
}
