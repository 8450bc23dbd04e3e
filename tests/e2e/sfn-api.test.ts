/**
 * The sandbox's Step Functions API, used through the real SFN client exactly as the CLI, the AWS CLI
 * or any SDK would use AWS: create, start, describe, list, history, stop, and AWS's error names.
 */

import { readFileSync } from 'node:fs';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { BACKUP_TAG } from '../../local/estates/fleet';
import { ASL_PATH } from '../../local/runner';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { DEPLOYED_SDK_MAX_ATTEMPTS } from '../../shared/lambda/clients';

jest.setTimeout(60_000);

let sandbox: Sandbox;
let sfn: SFNClient;
beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  sandbox.model?.addVolume('eu-west-1', { Size: 10, Tags: [BACKUP_TAG], snapshotSeconds: 600 });
  sfn = new SFNClient({
    endpoint: sandbox.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  sfn.destroy();
  await sandbox.close();
});

async function until(executionArn: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status === status) return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never reached ${status}`);
}

describe('local Step Functions API', () => {
  it('runs the handlers with the SDK retry settings the Lambdas deploy with', () => {
    // Each function's AWS_MAX_ATTEMPTS in the template (tests/infra/backup-pipeline-stack.test.ts).
    expect(process.env.AWS_MAX_ATTEMPTS).toBe(String(DEPLOYED_SDK_MAX_ATTEMPTS));
  });

  it('runs an execution to the end and reports it like AWS (describe, history, list)', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: sandbox.stateMachineArn,
        name: 'api-run',
        input: '{"tier":"daily"}',
      }),
    );

    const done = await until(executionArn ?? '', 'SUCCEEDED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn }));

    expect(done).toMatchObject({
      name: 'api-run',
      input: '{"tier":"daily"}',
      startDate: expect.any(Date),
      stopDate: expect.any(Date),
    });
    const types = history.events?.map((e) => e.type) ?? [];
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(history.events?.find((e) => e.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe(
      'Plan the run',
    );
    expect(types).toContain('MapStateEntered');
    expect(listed.executions?.map((e) => [e.name, e.status])).toContainEqual(['api-run', 'SUCCEEDED']);
  });

  it('answers with AWS error names: unknown execution, duplicate name with other input, unknown state machine', async () => {
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${sandbox.stateMachineArn.replace('stateMachine', 'execution')}:nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: sandbox.stateMachineArn,
          name: 'api-run',
          input: '{"tier":"weekly"}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: `${sandbox.stateMachineArn}-missing` })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('stops a running execution (ABORTED), and accepts CreateStateMachine for the project ASL', async () => {
    const paced = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false, timeScale: 60 });
    const client = new SFNClient({
      endpoint: paced.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    try {
      paced.model?.addVolume('eu-west-1', { Size: 10, Tags: [BACKUP_TAG], snapshotSeconds: 24 * 3600 });
      const created = await client.send(
        new CreateStateMachineCommand({
          name: 'Copy',
          definition: readFileSync(ASL_PATH, 'utf8'),
          roleArn: 'arn:aws:iam::111122223333:role/x',
        }),
      );
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, name: 'long' }),
      );
      await new Promise((r) => setTimeout(r, 300));

      await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'testing stop' }));

      const stopped = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'testing stop' });
    } finally {
      client.destroy();
      await paced.close();
    }
  });
});
