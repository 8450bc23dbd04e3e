/**
 * Registers the emulated AWS services on the emulator server: EC2 (its Query dialect), RDS and SNS
 * (awsQuery), each action answered by the AWS model. Every action the handlers call is here; any
 * other action gets AWS's InvalidAction error.
 */
import * as cloudformation from '@aws-sdk/client-cloudformation';
import * as ec2 from '@aws-sdk/client-ec2';
import * as rds from '@aws-sdk/client-rds';
import * as sns from '@aws-sdk/client-sns';
import { AwsApiError, type AwsModel } from '../aws-model';
import { type OperationSchema, queryService } from './query';
import type { EmulatorServer } from './server';

const op = (module: object, action: string) =>
  (module as Record<string, OperationSchema>)[`${action}$`] as OperationSchema;

export function registerAwsServices(server: EmulatorServer, model: AwsModel): void {
  const ec2Actions = [
    'DescribeInstances',
    'DescribeVolumes',
    'DescribeSnapshots',
    'DescribeImages',
    'CreateSnapshot',
    'CreateSnapshots',
    'DeleteSnapshot',
  ] as const;
  server.register(
    'ec2',
    queryService({
      dialect: 'ec2',
      namespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
      operations: Object.fromEntries(ec2Actions.map((a) => [a, op(ec2, a)])),
      call: (action, region, input) => {
        switch (action) {
          case 'DescribeInstances':
            return model.describeInstances(region, input);
          case 'DescribeVolumes':
            return model.describeVolumes(region, input);
          case 'DescribeSnapshots':
            return model.describeSnapshots(region, input);
          case 'DescribeImages':
            return model.describeImages(region, input);
          case 'CreateSnapshot':
            return model.createSnapshot(region, input as never);
          case 'CreateSnapshots':
            return model.createSnapshots(region, input as never);
          default:
            return model.deleteSnapshot(region, input);
        }
      },
    }),
  );
  const rdsActions = ['DescribeDBInstances', 'DescribeDBSnapshots', 'CreateDBSnapshot', 'DeleteDBSnapshot'] as const;
  server.register(
    'rds',
    queryService({
      dialect: 'query',
      namespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
      operations: Object.fromEntries(rdsActions.map((a) => [a, op(rds, a)])),
      call: (action, region, input) => {
        switch (action) {
          case 'DescribeDBInstances':
            return model.describeDBInstances(region, input);
          case 'DescribeDBSnapshots':
            return model.describeDBSnapshots(region, input);
          case 'CreateDBSnapshot':
            return model.createDBSnapshot(region, input as never);
          default:
            return model.deleteDBSnapshot(region, input);
        }
      },
    }),
  );
  server.register(
    'sns',
    queryService({
      dialect: 'query',
      namespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
      operations: { Publish: op(sns, 'Publish') },
      call: (_action, region, input) => model.publish(region, input),
    }),
  );
}

/** CloudFormation DescribeStacks for the sandbox's one stack, with the outputs a deployment would have. */
export function registerStack(server: EmulatorServer, stackName: string, outputs: Record<string, string>): void {
  server.register(
    'cloudformation',
    queryService({
      dialect: 'query',
      namespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
      operations: { DescribeStacks: op(cloudformation, 'DescribeStacks') },
      call: (_action, _region, input) => {
        if (input.StackName !== stackName)
          throw new AwsApiError('ValidationError', `Stack with id ${String(input.StackName)} does not exist`);
        return {
          Stacks: [
            {
              StackName: stackName,
              StackStatus: 'CREATE_COMPLETE',
              CreationTime: new Date(),
              Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
            },
          ],
        };
      },
    }),
  );
}
