/**
 * Workflow-layer wiring: the AWS SDK's EC2, RDS, SNS, EventBridge, KMS and Lambda clients are answered by the
 * in-memory AWS model (local/model) through aws-sdk-client-mock, action by action from the same
 * tables the emulator serves (local/emulator/*), so the two ways into the model cannot drift. The
 * handlers, drivers and SDK clients are the real ones; only the network hop to AWS is replaced. The
 * state table is not mocked: it is dynalite.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as elasticacheSdk from '@aws-sdk/client-elasticache';
import * as eventsSdk from '@aws-sdk/client-eventbridge';
import * as kmsSdk from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as rdsSdk from '@aws-sdk/client-rds';
import * as redshiftSdk from '@aws-sdk/client-redshift';
import * as s3Sdk from '@aws-sdk/client-s3';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as s3ControlSdk from '@aws-sdk/client-s3-control';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as snsSdk from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DYNAMODB_CONTROL_ACTIONS, modelAnswers } from '../../local/emulator/dynamodb';
import { ec2Actions } from '../../local/emulator/ec2';
import { elasticacheActions } from '../../local/emulator/elasticache';
import { EVENTS_ACTIONS } from '../../local/emulator/events';
import type { JsonAction } from '../../local/emulator/json';
import { KMS_ACTIONS } from '../../local/emulator/kms';
import type { ActionHandler } from '../../local/emulator/query';
import { rdsActions } from '../../local/emulator/rds';
import { redshiftActions } from '../../local/emulator/redshift';
import { S3_BUCKET_ACTIONS, S3_CONTROL_ACTIONS } from '../../local/emulator/s3';
import { snsActions } from '../../local/emulator/sns';
import { AwsApiError, type AwsModel } from '../../local/model';
import { SDK_CLIENT_CLASSES } from '../../shared/services';
import type { SdkClientClass } from '../../shared/services/driver';

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
    const action = name.replace(/Command$/, '');
    const answer = DYNAMODB_CONTROL_ACTIONS[action];
    // The state table (not a model table) is dynalite's: its DescribeTable, say, goes through.
    const region = await this.config.region();
    if (!answer || !modelAnswers(model, region, action, command.input as Record<string, unknown>))
      return original.call(this, command, ...rest);
    return answer(model, region, command.input as Record<string, unknown>);
  };
  return () => {
    prototype.send = original;
  };
}

const bind = (model: AwsModel, actions: Record<string, JsonAction>): Record<string, ActionHandler> =>
  Object.fromEntries(
    Object.entries(actions).map(([name, call]) => [name, (region, input) => call(model, region, input)]),
  );

export function wireModelToSdk(model: AwsModel): { restore(): void } {
  // The stubs' own types are per client; here only on/callsFake/restore are used, by action name.
  type Stub = { on(command: unknown): { callsFake(fake: unknown): void }; restore(): void };
  const services: [Stub, object, Record<string, ActionHandler>][] = [
    [mockClient(ec2Sdk.EC2Client) as unknown as Stub, ec2Sdk, ec2Actions(model)],
    [mockClient(rdsSdk.RDSClient) as unknown as Stub, rdsSdk, rdsActions(model)],
    [mockClient(snsSdk.SNSClient) as unknown as Stub, snsSdk, snsActions(model)],
    [mockClient(eventsSdk.EventBridgeClient) as unknown as Stub, eventsSdk, bind(model, EVENTS_ACTIONS)],
    [mockClient(kmsSdk.KMSClient) as unknown as Stub, kmsSdk, bind(model, KMS_ACTIONS)],
    [mockClient(redshiftSdk.RedshiftClient) as unknown as Stub, redshiftSdk, redshiftActions(model)],
    [mockClient(elasticacheSdk.ElastiCacheClient) as unknown as Stub, elasticacheSdk, elasticacheActions(model)],
    [mockClient(s3ControlSdk.S3ControlClient) as unknown as Stub, s3ControlSdk, bind(model, S3_CONTROL_ACTIONS)],
  ];
  for (const [stub, sdk, actions] of services) {
    for (const [name, call] of Object.entries(actions)) {
      const command = (sdk as Record<string, unknown>)[`${name}Command`];
      if (!command) throw new Error(`the SDK has no ${name}Command`);
      // Each fake reads the calling client's region, as the real service does from the request signature
      // (copies are called on a client in the destination region, as in AWS).
      stub
        .on(command)
        .callsFake(async (input: Record<string, unknown>, getClient: () => unknown) =>
          call(await (getClient() as AnyClient).config.region(), input),
        );
    }
  }
  const restoreDynamo = wireDynamoControlPlane(model);
  const s3 = wireObjectsToModel(model);
  const lambda = wireInvokeToModel(model);
  return {
    restore() {
      restoreDynamo();
      s3.restore();
      lambda.restore();
      for (const [stub] of services) stub.restore();
    },
  };
}

/**
 * S3 objects (the run's item list, the Map's results) in the model's buckets: PutObject and GetObject,
 * with the body as the SDK hands it to a caller (`transformToString`).
 */
function wireObjectsToModel(model: AwsModel): { restore(): void } {
  const s3 = mockClient(S3Client);
  // The bucket calls of a bucket's backup (its tags, versioning, replication), from the emulator's table.
  for (const [name, call] of Object.entries(S3_BUCKET_ACTIONS))
    s3.on(
      (s3Sdk as unknown as Record<string, typeof PutObjectCommand>)[`${name}Command`] as typeof PutObjectCommand,
    ).callsFake(async (input: Record<string, unknown>, getClient: () => unknown) =>
      call(model, await (getClient() as AnyClient).config.region(), input),
    );
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body?: unknown; ContentType?: string }) =>
    model.putObject(input.Bucket, input.Key, String(input.Body ?? ''), input.ContentType),
  );
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const found = model.getObject(input.Bucket, input.Key);
    return {
      ETag: found.etag,
      ContentType: found.contentType,
      Body: { transformToString: async () => found.body },
    };
  });
  return s3;
}

/** Lambda Invoke (a drill's validation function) answered by the model's functions, as the emulator does. */
function wireInvokeToModel(model: AwsModel): { restore(): void } {
  const lambda = mockClient(LambdaClient);
  lambda
    .on(InvokeCommand)
    .callsFake(async (input: { FunctionName?: string; Payload?: Uint8Array }, getClient: () => unknown) => {
      const out = await model.invoke(await (getClient() as AnyClient).config.region(), {
        ...(input.FunctionName ? { FunctionName: input.FunctionName } : {}),
        ...(input.Payload ? { Payload: new TextDecoder().decode(input.Payload) } : {}),
      });
      return { ...out, Payload: new TextEncoder().encode(out.Payload) };
    });
  return lambda;
}

/**
 * Step Functions' DescribeExecution for the in-process sandbox, answered from the executions it ran
 * (their status by ARN, kept by tests/support/workflow-sandbox.ts), as the wire sandbox's Step Functions
 * API answers from its own (local/emulator/sfn.ts): Plan asks it whether the holder of a tier's lock runs.
 */
export function wireExecutionsToSfn(executions: ReadonlyMap<string, string>): { restore(): void } {
  const sfn = mockClient(SFNClient);
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const status = executions.get(input.executionArn);
    if (!status) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    return { executionArn: input.executionArn, status };
  });
  return sfn;
}

/**
 * Every service's SDK clients that a unit test does not answer itself, answered with an empty estate (`{}`:
 * no resources, no backups): a test that mocks EC2 and RDS by hand then never reaches the network through a
 * service added since (a new type's discovery runs in every Plan). `handled` are the classes the test
 * answers itself, or leaves to dynalite (DynamoDB).
 */
export function answerOtherServicesEmpty(handled: readonly SdkClientClass[]): { restore(): void } {
  const stubs = Object.values(SDK_CLIENT_CLASSES)
    .flat()
    .filter((client) => !handled.includes(client))
    .map((client) => {
      const stub = mockClient(client as never);
      stub.onAnyCommand().resolves({});
      return stub;
    });
  return {
    restore: () => {
      for (const stub of stubs) stub.restore();
    },
  };
}
