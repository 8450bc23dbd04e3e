/**
 * `status` tells how a run ended as its execution did, not only as its record says. The record is
 * written by Summarize, before Apply retention and Notify: a run whose execution FAILED after every
 * backup completed (here Notify, whose topic is gone) must not read SUCCEEDED.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { nextStep } from '../../shared/workflow/notify/runbook';
import { killStragglers, runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false, config: { notifyOnSuccess: true } });
  sandbox.model?.addVolume('eu-west-1', { Size: 8, Tags: [BACKUP_TAG] });
  // Deleted by hand after deploy: Notify fails once every backup has completed.
  sandbox.model?.topics.delete(sandbox.topicArn);
});
afterAll(async () => {
  killStragglers();
  await sandbox.close();
});

describe('backup-pipeline status', () => {
  it('reports a run whose execution FAILED after every backup completed as FAILED, and exits 1', async () => {
    // Prepare
    const started = await runCli(sandbox.env, [
      'start',
      '--name',
      'daily-notify-lost',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    expect(started.stdout).toContain('Run daily-notify-lost FAILED: NotificationFailed: Topic does not exist');

    // Act
    const table = await runCli(sandbox.env, ['status', 'daily-notify-lost']);
    const json = await runCli(sandbox.env, ['status', 'daily-notify-lost', '--json']);

    // Assess
    expect(table.stdout).toMatch(/^Run daily-notify-lost \(daily\): FAILED, started /);
    expect(table.stdout).toMatch(/Execution FAILED: NotificationFailed: Topic does not exist.*\n {2}next: /);
    expect(table.stdout).toContain(
      `  next: ${nextStep('NotificationFailed', '', false, { runId: 'daily-notify-lost' })}`,
    );
    expect(table.stdout).toContain('(`backup-pipeline status daily-notify-lost`)');
    expect(table.stdout).toMatch(/vol-\S+\s+ebs-volume\s+eu-west-1\s+COMPLETED/);
    expect(table.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'FAILED',
      execution: { status: 'FAILED', error: 'NotificationFailed' },
      counts: { completed: 1, failed: 0 },
    });
    expect(json.code).toBe(1);
  });
});
