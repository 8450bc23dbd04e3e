/**
 * Scripts and records can be trusted (issue #21 item 7): what a fault hunt through the CLI and the Step
 * Functions API found, each through the CLI process as an operator or a script runs it: output complete
 * on a pipe, a stopped run's record telling what happened, a retry of what a stopped run left unfinished,
 * names as the tables show them (Name tags included), and malformed input refused naming what is wrong.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli, runProcess, SHIPPED_CLI } from '../support/processes';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const VOLUMES = 140;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  const model = sandbox.model;
  if (!model) throw new Error('expected the emulator');
  for (let n = 0; n < VOLUMES; n++)
    model.addVolume(REGION, { Size: 8, Tags: [BACKUP_TAG, { Key: 'Name', Value: `data-${n}` }], snapshotSeconds: 60 });
  model.addInstance(REGION, { Tags: [BACKUP_TAG, { Key: 'Name', Value: 'web-1' }], volumes: [{ Size: 8 }] });
  model.addDynamoTable(REGION, { TableName: 'sessions', Tags: [BACKUP_TAG], backupSeconds: 30 });
});
afterAll(async () => sandbox.close());

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(sandbox.env, args, env);

const sfnOf = (s: Sandbox) =>
  new SFNClient({
    endpoint: s.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

describe('output on a pipe', () => {
  it('status <run> --json of a run of 142 resources is complete JSON past 64 KiB', async () => {
    // Prepare
    const run = await cli(['start', '--tier', 'daily', '--name', 'daily-big', '--wait', '--poll-seconds', '0.1']);
    expect(run.code).toBe(0);

    // Act: through a shell pipe, as `| jq` reads it (a child's stdio from Node is a socket pair, never cut).
    const out = await runProcess('sh', ['-c', `"${process.execPath}" "${SHIPPED_CLI}" status daily-big --json | cat`], {
      env: { ...process.env, ...sandbox.env, BACKUP_PIPELINE_STATE_MACHINE_ARN: '', BACKUP_PIPELINE_TABLE: '' },
    });

    // Assess
    expect(out.stdout.length).toBeGreaterThan(64 * 1024);
    const parsed = JSON.parse(out.stdout) as { resources: unknown[] };
    expect(parsed.resources).toHaveLength(VOLUMES + 2);
    expect(out.code).toBe(0);
  });
});

describe('tables', () => {
  it('never cut a type name, and print no legend for a status no row shows', async () => {
    const status = await cli(['status', 'daily-big']);
    const backups = await cli(['backups', 'data-7']);

    expect(status.stdout).toMatch(/^sessions\s+dynamodb-table\s+eu-west-1\s+COMPLETED/m);
    expect(backups.code).toBe(0);
    expect(backups.stdout).toMatch(/AVAILABLE/);
    expect(backups.stdout).not.toMatch(/^(EXPIRED|COPY ONLY):/m);
  });
});

describe('names as the tables show them', () => {
  it('--resource takes the Name tag of an EC2 instance and of an EBS volume', async () => {
    const instance = await cli(['backups', 'web-1', '--json']);
    const volume = await cli([
      'start',
      '--resource',
      'data-7',
      '--dry-run',
      '--name',
      'daily-by-name',
      '--poll-seconds',
      '0.1',
    ]);

    expect({ code: instance.code, stderr: instance.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(instance.stdout)).toEqual(
      expect.objectContaining({ arn: expect.stringMatching(/:instance\/i-/) }),
    );
    expect({ code: volume.code, stderr: volume.stderr }).toEqual({ code: 0, stderr: '' });
    expect(volume.stdout).toMatch(/vol-[0-9a-f]+/);
  });
});

describe('malformed input is refused naming what is wrong', () => {
  it('an ARN whose id is malformed is not called an unsupported type', async () => {
    const empty = await cli(['start', '--resource', `arn:aws:ec2:${REGION}:111122223333:instance/`]);
    const wide = await cli(['start', '--resource', `arn:aws:rds:${REGION}:111122223333:db:orders１`]);

    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('malformed ec2-instance id "" in');
    expect(empty.stderr).not.toContain('unsupported');
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('malformed rds-instance id "orders１" in');
  });

  it('runs --limit takes a whole number only, before any AWS call', async () => {
    const out = await cli(['runs', '--limit', '2.5'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("option '--limit <n>' argument '2.5' is invalid. expected a whole number >= 1");
  });
});

describe('an empty targets filter', () => {
  it('fails the execution at Plan, naming it, and backs up nothing', async () => {
    const sfn = sfnOf(sandbox);
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: sandbox.stateMachineArn,
          name: 'empty-targets',
          input: JSON.stringify({ tier: 'daily', targets: {} }),
        }),
      );
      let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      for (let i = 0; i < 200 && described.status === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      }
      expect(described).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
      expect(described.cause).toContain('targets: must name tags or resources');
    } finally {
      sfn.destroy();
    }
  });
});

describe('a run stopped with StopExecution', () => {
  it('reads as ABORTED in runs and status, and --retry-failed retries what it left unfinished', async () => {
    // Prepare: snapshots that take a simulated day, paced so the run is still creating them when stopped.
    const paced = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false, timeScale: 60 });
    const sfn = sfnOf(paced);
    try {
      const volume = paced.model?.addVolume(REGION, { Size: 10, Tags: [BACKUP_TAG], snapshotSeconds: 24 * 3600 });
      const started = await runCli(paced.env, ['start', '--tier', 'daily', '--name', 'daily-stopped']);
      expect(started.code).toBe(0);
      const executionArn = `${paced.stateMachineArn.replace(':stateMachine:', ':execution:')}:daily-stopped`;
      for (let i = 0; i < 100; i++) {
        const status = await runCli(paced.env, ['status', 'daily-stopped', '--json']);
        if (status.code === 0 && JSON.parse(status.stdout).resources[0]?.status === 'CREATING') break;
        await new Promise((r) => setTimeout(r, 100));
      }

      // Act
      await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'wrong window' }));
      const runs = await runCli(paced.env, ['runs', '--json']);
      const table = await runCli(paced.env, ['runs']);
      const status = await runCli(paced.env, ['status', 'daily-stopped']);
      const retry = await runCli(paced.env, ['start', '--retry-failed', 'daily-stopped', '--name', 'daily-retry']);

      // Assess
      const listed = (
        JSON.parse(runs.stdout) as { runs: { runId: string; status: string; finishedAt?: string }[] }
      ).runs.find((r) => r.runId === 'daily-stopped');
      expect(listed).toEqual(expect.objectContaining({ status: 'ABORTED', finishedAt: expect.any(String) }));
      expect(table.stdout).toMatch(/daily-stopped\s+daily\s+ABORTED/);
      expect(status.stdout).toMatch(/Run daily-stopped \(daily\): ABORTED/);
      expect(status.code).toBe(1);
      expect({ code: retry.code, stderr: retry.stderr }).toEqual({ code: 0, stderr: '' });
      expect(retry.stdout).toContain('retrying the 1 failed or unfinished resource(s) of run daily-stopped');
      expect(retry.stdout).toContain(`${volume?.VolumeId} (ebs-volume, ${REGION})`);
      expect(retry.stdout).toContain('Unfinished (left CREATING when the run ended)');
    } finally {
      sfn.destroy();
      await paced.close();
    }
  });
});

describe('the CLI against npm start -- --endpoint URL --serve', () => {
  it('works with the exports the sandbox prints alone: its stack is found at the sandbox', async () => {
    // Prepare: an AWS-compatible endpoint (LocalStack and the like) where no stack of ours is deployed,
    // and a sandbox serving in front of it, as `npm start -- --endpoint URL --serve` runs one.
    const endpoint = await startSandbox({
      fleet: { kind: 'none' },
      accountId: '444455556666',
      config: { stackName: 'SomeoneElsesStack' },
    });
    const serving = await startSandbox({ fleet: { kind: 'none' }, endpoint: endpoint.endpoint });
    try {
      // Act: exactly the variables `--serve` prints (sandbox.env), nothing else pointing anywhere.
      const started = await runCli(serving.env, ['start', '--tier', 'daily', '--name', 'daily-served']);
      const runs = await runCli(serving.env, ['runs']);

      // Assess
      expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: '' });
      expect({ code: runs.code, stderr: runs.stderr }).toEqual({ code: 0, stderr: '' });
      expect(runs.stdout).toMatch(/daily-served\s+daily/);
    } finally {
      await serving.close();
      await endpoint.close();
    }
  });
});
