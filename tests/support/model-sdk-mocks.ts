/**
 * Workflow-layer wiring: the AWS SDK's EC2, RDS, KMS and SNS clients are answered by the in-memory AWS
 * model (local/aws-model.ts) through aws-sdk-client-mock. The handlers, drivers and SDK clients are
 * the real ones; only the network hop to AWS is replaced. The state table is not mocked: it is dynalite.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyImageCommand,
  CopySnapshotCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsModel } from '../../local/aws-model';
import { DYNAMODB_CONTROL_ACTIONS } from '../../local/emulator/dynamodb';

type AnyClient = { config: { region: () => Promise<string> } };

/**
 * DynamoDB's control plane (the fleet's tables, backups, exports) answered by the model; every other
 * DynamoDB command (the state table) still goes to dynalite. aws-sdk-client-mock cannot pass commands
 * through, so this wraps DynamoDBClient#send by command name instead.
 */

export function wireDynamoControlPlane(model: AwsModel): () => void {
  type Send = (this: AnyClient, command: { input: unknown }, ...rest: unknown[]) => Promise<unknown>;
  const prototype = DynamoDBClient.prototype as unknown as { send: Send };
  const original = prototype.send;
  prototype.send = async function (this: AnyClient, command, ...rest) {
    const name = (command as object).constructor.name;
    const answer = DYNAMODB_CONTROL_ACTIONS[name.replace(/Command$/, '')];
    // DescribeTable of the state table (not a fleet table) is dynalite's.
    const fleetTable =
      name !== 'DescribeTableCommand' ||
      model.hasDynamoTable(await this.config.region(), (command.input as { TableName?: string }).TableName);
    if (!answer || !fleetTable) return original.call(this, command, ...rest);
    return answer(model, await this.config.region(), command.input as Record<string, unknown>);
  };
  return () => {
    prototype.send = original;
  };
}

export function wireModelToSdk(model: AwsModel): { restore(): void } {
  const ec2 = mockClient(EC2Client);
  const rds = mockClient(RDSClient);
  const sns = mockClient(SNSClient);
  const events = mockClient(EventBridgeClient);
  const kms = mockClient(KMSClient);
  const region = async (getClient: () => unknown) => (getClient() as AnyClient).config.region();
  // Each fake reads the calling client's region, as the real service would from the request signature.
  ec2
    .on(DescribeInstancesCommand)
    .callsFake(async (input, getClient) => model.describeInstances(await region(getClient), input));
  ec2
    .on(DescribeVolumesCommand)
    .callsFake(async (input, getClient) => model.describeVolumes(await region(getClient), input));
  ec2
    .on(DescribeSnapshotsCommand)
    .callsFake(async (input, getClient) => model.describeSnapshots(await region(getClient), input));
  ec2
    .on(DescribeImagesCommand)
    .callsFake(async (input, getClient) => model.describeImages(await region(getClient), input));
  ec2
    .on(CreateSnapshotCommand)
    .callsFake(async (input, getClient) => model.createSnapshot(await region(getClient), input as never));
  ec2
    .on(CreateSnapshotsCommand)
    .callsFake(async (input, getClient) => model.createSnapshots(await region(getClient), input as never));
  ec2
    .on(DeleteSnapshotCommand)
    .callsFake(async (input, getClient) => model.deleteSnapshot(await region(getClient), input));
  ec2
    .on(CreateImageCommand)
    .callsFake(async (input, getClient) => model.createImage(await region(getClient), input as never));
  ec2
    .on(DeregisterImageCommand)
    .callsFake(async (input, getClient) => model.deregisterImage(await region(getClient), input));
  ec2
    .on(DescribeRegionsCommand)
    .callsFake(async (input, getClient) => model.describeRegions(await region(getClient), input));
  // Copies are called on a client in the destination region, as in AWS.
  ec2
    .on(CopySnapshotCommand)
    .callsFake(async (input, getClient) => model.copySnapshot(await region(getClient), input as never));
  ec2
    .on(CopyImageCommand)
    .callsFake(async (input, getClient) => model.copyImage(await region(getClient), input as never));
  rds
    .on(CopyDBSnapshotCommand)
    .callsFake(async (input, getClient) => model.copyDBSnapshot(await region(getClient), input as never));
  rds
    .on(CopyDBClusterSnapshotCommand)
    .callsFake(async (input, getClient) => model.copyDBClusterSnapshot(await region(getClient), input as never));
  kms.on(DescribeKeyCommand).callsFake(async (input, getClient) => model.describeKey(await region(getClient), input));
  rds
    .on(DescribeDBInstancesCommand)
    .callsFake(async (input, getClient) => model.describeDBInstances(await region(getClient), input));
  rds
    .on(DescribeDBSnapshotsCommand)
    .callsFake(async (input, getClient) => model.describeDBSnapshots(await region(getClient), input));
  rds
    .on(CreateDBSnapshotCommand)
    .callsFake(async (input, getClient) => model.createDBSnapshot(await region(getClient), input as never));
  rds
    .on(DeleteDBSnapshotCommand)
    .callsFake(async (input, getClient) => model.deleteDBSnapshot(await region(getClient), input));
  rds
    .on(DescribeDBClustersCommand)
    .callsFake(async (input, getClient) => model.describeDBClusters(await region(getClient), input));
  rds
    .on(DescribeDBClusterSnapshotsCommand)
    .callsFake(async (input, getClient) => model.describeDBClusterSnapshots(await region(getClient), input));
  rds
    .on(CreateDBClusterSnapshotCommand)
    .callsFake(async (input, getClient) => model.createDBClusterSnapshot(await region(getClient), input as never));
  rds
    .on(DeleteDBClusterSnapshotCommand)
    .callsFake(async (input, getClient) => model.deleteDBClusterSnapshot(await region(getClient), input));
  sns.on(PublishCommand).callsFake(async (input, getClient) => model.publish(await region(getClient), input));
  events.on(PutEventsCommand).callsFake(async (input, getClient) => model.putEvents(await region(getClient), input));
  const restoreDynamo = wireDynamoControlPlane(model);
  return {
    restore() {
      restoreDynamo();
      ec2.restore();
      rds.restore();
      sns.restore();
      events.restore();
      kms.restore();
    },
  };
}
