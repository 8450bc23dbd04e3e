/**
 * `--endpoint`: the runner against an AWS-compatible endpoint instead of its own emulator. A second
 * sandbox plays that endpoint (one URL for EC2, RDS, SNS, S3, STS and DynamoDB, like LocalStack) in
 * another account: nothing is seeded by the runner, the estate there is discovered by tags, the account
 * comes from STS, and the state table, the notification topic and the exports' bucket are made there.
 * (tests/e2e/endpoint-cli.test.ts runs the same through the CLI with the real 60 s waits.)
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { SANDBOX_TABLE, SandboxError, startSandbox } from '../../local/sandbox';
import { stateTableClient } from '../../local/state-table';
import {
  ENDPOINT_ACCOUNT,
  ENDPOINT_REGION,
  type EndpointEstate,
  startEndpointEstate,
} from '../support/endpoint-estate';

jest.setTimeout(90_000);

let estate: EndpointEstate;
beforeAll(async () => {
  estate = await startEndpointEstate();
});
afterAll(async () => estate.sandbox.close());

describe('runner with --endpoint', () => {
  it("backs up a mixed fleet in the endpoint's account, keeps state there, and notifies through a topic made there", async () => {
    // Prepare
    const external = estate.sandbox;
    const runner = await startSandbox({
      endpoint: external.endpoint,
      config: { polling: { minWaitSeconds: 5 }, notifyOnSuccess: true },
    });
    try {
      expect(runner.model).toBeUndefined();
      expect(runner.accountId).toBe(ENDPOINT_ACCOUNT);
      expect(runner.stateMachineArn).toContain(`:${ENDPOINT_ACCOUNT}:stateMachine:`);

      // Act
      const result = await runner.sfn.startExecution(runner.stateMachineArn, 'via-endpoint', '{}').done;

      // Assess
      expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const records = await runner.store.listResources('via-endpoint');
      expect(records.map((r) => [r.resourceId, r.status]).sort()).toEqual(
        estate.tagged.map((id) => [id, 'COMPLETED']).sort(),
      );
      expect(records.every((r) => r.arn.split(':')[4] === ENDPOINT_ACCOUNT)).toBe(true);
      expect(records.map((r) => r.resourceId)).not.toContain(estate.untagged);
      expect(runner.topicArn).toBe(`arn:aws:sns:${ENDPOINT_REGION}:${ENDPOINT_ACCOUNT}:BackupPipeline-notifications`);
      expect(external.model?.sns.map((m) => m.TopicArn)).toEqual([runner.topicArn]);
      expect(external.model?.dynamoExports(ENDPOINT_REGION).map((e) => [e.S3Bucket, e.ExportStatus])).toEqual([
        [runner.bucketName, 'COMPLETED'],
      ]);
      expect(external.model?.s3Buckets.get(runner.bucketName)?.region).toBe(ENDPOINT_REGION);
    } finally {
      await runner.close();
    }
    // The state table lives behind the endpoint.
    const dynamo = stateTableClient(external.endpoint, ENDPOINT_REGION);
    const table = await dynamo.send(new DescribeTableCommand({ TableName: SANDBOX_TABLE }));
    dynamo.destroy();
    expect(table.Table?.TableStatus).toBe('ACTIVE');
  });

  it('runs a dry run to the end, its notification included, and finds what a first run made', async () => {
    // Prepare: the topic and bucket exist from the first run; a second runner must reuse them.
    const external = estate.sandbox;
    const runner = await startSandbox({ endpoint: external.endpoint, config: { notifyOnSuccess: true } });
    try {
      // Act
      const result = await runner.sfn.startExecution(runner.stateMachineArn, 'dry-via-endpoint', '{"dryRun":true}')
        .done;

      // Assess
      expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      expect(external.model?.sns.at(-1)?.TopicArn).toBe(runner.topicArn);
      expect([...(external.model?.topics ?? [])]).toEqual([runner.topicArn]);
      expect([...(external.model?.s3Buckets.keys() ?? [])]).toEqual([runner.bucketName]);
    } finally {
      await runner.close();
    }
  });

  it('says what to do when the endpoint cannot be reached', async () => {
    await expect(startSandbox({ endpoint: 'http://127.0.0.1:9' })).rejects.toThrow(SandboxError);
  });
});
