/**
 * Registers the emulated AWS services on the emulator server, keyed by the service name the SDK signs
 * (`ec2`, `rds`, `sns`, `events`, `dynamodb`, `kms`, `sts`, `s3`, `lambda`, `cloudformation`): one file per service, each a table of actions answered by
 * the AWS model. Any action not in a table gets AWS's InvalidAction / UnsupportedOperation error.
 */
import * as cloudformation from '@aws-sdk/client-cloudformation';
import { AwsApiError, type AwsModel } from '../model';
import { dynamoDbService } from './dynamodb';
import { ec2Service } from './ec2';
import { elasticacheService } from './elasticache';
import { eventsService } from './events';
import { kmsService } from './kms';
import { lambdaService } from './lambda';
import { queryService } from './query';
import { rdsService } from './rds';
import { redshiftService } from './redshift';
import { s3Service } from './s3';
import type { EmulatorServer } from './server';
import { snsService } from './sns';
import { stsService } from './sts';

export function registerAwsServices(server: EmulatorServer, model: AwsModel): void {
  server.register('ec2', ec2Service(model));
  server.register('rds', rdsService(model));
  server.register('sns', snsService(model));
  server.register('events', eventsService(model));
  server.register('kms', kmsService(model));
  server.register('sts', stsService(model));
  server.register('s3', s3Service(model));
  server.register('lambda', lambdaService(model));
  // Alongside the proxy to dynalite: the fleet's tables, backups and exports only.
  server.register('dynamodb', dynamoDbService(model));
  server.register('redshift', redshiftService(model));
  server.register('elasticache', elasticacheService(model));
}

/** A stack as DescribeStacks answers it in its region: the outputs a deployment would have. */
export interface EmulatedStack {
  region: string;
  stackName: string;
  outputs: Record<string, string>;
}

/**
 * CloudFormation DescribeStacks for the sandbox's stacks: the pipeline's in its home region and, with
 * `recovery` configured, a recovery stack in each recovery region. A stack exists only in its region,
 * as in CloudFormation: asked in another, DescribeStacks answers ValidationError "does not exist".
 */
export function registerStacks(server: EmulatorServer, stacks: readonly EmulatedStack[]): void {
  server.register(
    'cloudformation',
    queryService({
      dialect: 'awsQuery',
      namespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
      sdk: cloudformation,
      actions: {
        DescribeStacks: (region, input) => {
          const stack = stacks.find((s) => s.region === region && s.stackName === input.StackName);
          if (!stack)
            throw new AwsApiError('ValidationError', `Stack with id ${String(input.StackName)} does not exist`);
          return {
            Stacks: [
              {
                StackName: stack.stackName,
                StackStatus: 'CREATE_COMPLETE',
                CreationTime: new Date(),
                Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
              },
            ],
          };
        },
      },
    }),
  );
}
