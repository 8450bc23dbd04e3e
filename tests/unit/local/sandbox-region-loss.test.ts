/**
 * The sandbox's regions for the region-loss game day (issue #19 item 12): a lost region answers no
 * call, to any service; the state table is served only where it has a replica; each recovery region
 * has its own stack (DescribeStacks) and restore state machine (Step Functions is regional), which the
 * CLI finds there with the home region gone.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { resolveTarget } from '../../../cli/target';
import { type Sandbox, startSandbox } from '../../../local/sandbox';

const HOME = 'eu-west-1';
const DR = 'us-west-2';
const ELSEWHERE = 'ap-southeast-2';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    region: HOME,
    fleet: { kind: 'none' },
    config: { recovery: { homeRegion: HOME, regions: [DR] } },
  });
});
afterAll(async () => {
  await sandbox.close();
});

const config = (region: string) => ({
  region,
  endpoint: sandbox.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

describe('the sandbox with a recovery region', () => {
  it('serves the state table in the home region and its replica region only, as a global table is', async () => {
    // Prepare
    const describe = (region: string) =>
      new DynamoDBClient(config(region)).send(new DescribeTableCommand({ TableName: sandbox.tableName }));

    // Act
    const [home, dr, elsewhere] = await Promise.allSettled([describe(HOME), describe(DR), describe(ELSEWHERE)]);

    // Assess
    expect(home.status).toBe('fulfilled');
    expect(dr.status).toBe('fulfilled');
    expect(elsewhere).toMatchObject({ status: 'rejected', reason: { name: 'ResourceNotFoundException' } });
  });

  it('runs the restore state machine of each stack in its own region only', async () => {
    // Prepare
    const drMachine = sandbox.recovery[DR]?.restoreStateMachineArn ?? '';
    const describe = (region: string, arn: string) =>
      new SFNClient(config(region)).send(new DescribeStateMachineCommand({ stateMachineArn: arn }));

    // Act
    const inDr = await describe(DR, drMachine);
    const asked = await Promise.allSettled([describe(HOME, drMachine), describe(DR, sandbox.stateMachineArn)]);

    // Assess
    expect(drMachine).toBe(`arn:aws:states:${DR}:${sandbox.accountId}:stateMachine:BackupPipeline-restore`);
    expect(inDr.name).toBe('BackupPipeline-restore');
    for (const outcome of asked)
      expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'StateMachineDoesNotExist' } });
  });

  it('answers DescribeStacks for the recovery stack in its region, where the CLI finds it', async () => {
    // Prepare
    const cfn = new CloudFormationClient(config(DR));

    // Act
    const main = await cfn.send(new DescribeStacksCommand({ StackName: 'BackupPipeline' })).catch((e: Error) => e);
    const target = await resolveTarget({ region: DR });

    // Assess
    expect(main).toMatchObject({ name: 'ValidationError' });
    expect(target).toMatchObject({
      recovery: true,
      region: DR,
      stateMachineArn: '',
      restoreStateMachineArn: sandbox.recovery[DR]?.restoreStateMachineArn,
      tableName: sandbox.tableName,
    });
  });
});

describe('a lost region', () => {
  it('answers no call to it, to any service, and counts them, while the others answer', async () => {
    // Prepare
    const before = sandbox.lostRegionCalls()[HOME] ?? 0;

    // Act
    sandbox.loseRegion(HOME);
    const ec2 = await new EC2Client(config(HOME)).send(new DescribeInstancesCommand({})).catch((e: Error) => e);
    const table = await new DynamoDBClient(config(HOME))
      .send(new DescribeTableCommand({ TableName: sandbox.tableName }))
      .catch((e: Error) => e);
    const drTable = await new DynamoDBClient(config(DR)).send(
      new DescribeTableCommand({ TableName: sandbox.tableName }),
    );

    // Assess
    expect(before).toBe(0);
    for (const refused of [ec2, table]) expect((refused as Error).message).toMatch(/socket hang up|ECONNRESET/);
    expect(sandbox.lostRegionCalls()[HOME]).toBe(2);
    expect(drTable.Table?.TableName).toBe(sandbox.tableName);
  });
});
