/**
 * A start skipped because the tier's previous run still runs, as an operator sees it through the CLI
 * (child processes against the sandbox, time flowing at wall-clock pace so the first run really is
 * still waiting on its snapshot): `start --wait` says the run was skipped, for which run, and exits 1;
 * `runs` and `status` show it SKIPPED.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false, timeScale: 1 });
  sandbox.model?.addVolume('eu-west-1', { Size: 500, Tags: [BACKUP_TAG], snapshotSeconds: 6 * 3600 });
});
// Closing aborts the first run, still waiting on its 6-hour snapshot.
afterAll(async () => sandbox.close());

const cli = (args: string[]) => runCli(sandbox.env, args);

describe('backup-pipeline start while the tier still runs', () => {
  it('start --wait reports the run skipped and why, exits 1; runs and status show it SKIPPED', async () => {
    // Prepare: a monthly run that waits on a 6-hour snapshot, holding the tier's lock.
    const first = sandbox.sfn.startExecution(sandbox.stateMachineArn, 'monthly-long', '{"tier":"monthly"}');
    for (let i = 0; i < 100 && (await sandbox.store.getRun('monthly-long'))?.status !== 'RUNNING'; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.status).toBe('RUNNING');

    // Act
    const started = await cli([
      'start',
      '--tier',
      'monthly',
      '--name',
      'monthly-again',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const runs = await cli(['runs']);
    const status = await cli(['status', 'monthly-again']);

    // Assess
    expect(started.stderr).toBe('');
    expect(started.code).toBe(1);
    expect(started.stdout).toContain(
      'Run monthly-again SKIPPED: monthly run monthly-again skipped: run monthly-long still running since',
    );
    expect(started.stdout).toContain(`still running: ${first.arn}`);
    expect(runs.stdout).toMatch(/monthly-again\s+monthly\s+SKIPPED\s+.*monthly-long still running/);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Run monthly-again \(monthly\): SKIPPED/);
    expect(status.stdout).toContain('nothing was backed up by this start');
    expect(first.status).toBe('RUNNING');
  });
});
