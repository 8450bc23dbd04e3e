/**
 * Scripts and records can be trusted (issue #21 item 7): what a fault hunt through the CLI and the Step
 * Functions API found, each through the CLI process as an operator or a script runs it: output complete
 * on a pipe, a stopped run's record telling what happened, a retry of what a stopped run left unfinished,
 * names as the tables show them (Name tags included), and malformed input refused naming what is wrong.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
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
});
afterAll(async () => sandbox.close());

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(sandbox.env, args, env);

const _sfnOf = (s: Sandbox) =>
  new SFNClient({
    endpoint: s.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

describe('output on a pipe', () => {
  it('status <run> --json of a run of 141 resources is complete JSON past 64 KiB', async () => {
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
    expect(parsed.resources).toHaveLength(VOLUMES + 1);
    expect(out.code).toBe(0);
  });
});
