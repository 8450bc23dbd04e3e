/**
 * `--endpoint`: the runner against an AWS-compatible endpoint instead of its own emulator. A second
 * sandbox plays that endpoint (one URL for EC2, RDS, SNS and DynamoDB, like LocalStack): nothing is
 * seeded by the runner, the estate there is discovered by tags, and the state table is created there.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BACKUP_TAG } from '../../local/fleet';
import { SANDBOX_TABLE, type Sandbox, SandboxError, startSandbox } from '../../local/sandbox';
import { dynamoClientFor } from '../../local/state-table';

jest.setTimeout(60_000);

let external: Sandbox;
beforeAll(async () => {
  external = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false, realTimeEstate: true });
  external.model?.addVolume('eu-west-1', { Size: 8, Tags: [BACKUP_TAG], snapshotSeconds: 1 });
  external.model?.addVolume('eu-west-1', { Size: 8, Tags: [{ Key: 'Name', Value: 'not mine' }], snapshotSeconds: 1 });
});
afterAll(async () => external.close());

describe('runner with --endpoint', () => {
  it('discovers the estate behind the endpoint by tags, keeps state there, and backs it up', async () => {
    const runner = await startSandbox({ endpoint: external.endpoint, config: { polling: { minWaitSeconds: 5 } } });
    try {
      expect(runner.model).toBeUndefined();
      const execution = runner.sfn.startExecution(runner.stateMachineArn, 'via-endpoint', '{}');
      const result = await execution.done;
      expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const records = await runner.store.listResources('via-endpoint');
      expect(records.map((r) => [r.type, r.status])).toEqual([['ebs-volume', 'COMPLETED']]);
    } finally {
      await runner.close();
    }
    // The backup and the state table live behind the endpoint.
    expect(external.model?.snapshots('eu-west-1')).toHaveLength(1);
    const dynamo = dynamoClientFor(external.endpoint, 'eu-west-1');
    const table = await dynamo.send(new DescribeTableCommand({ TableName: SANDBOX_TABLE }));
    dynamo.destroy();
    expect(table.Table?.TableStatus).toBe('ACTIVE');
  });

  it('says what to do when the endpoint cannot be reached', async () => {
    await expect(startSandbox({ endpoint: 'http://127.0.0.1:9' })).rejects.toThrow(SandboxError);
  });
});
