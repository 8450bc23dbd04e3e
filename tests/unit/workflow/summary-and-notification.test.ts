/**
 * shared/workflow/backup/summary.ts (what counts as failed; the cause the final Fail state shows) and
 * shared/workflow/notify/notification.ts (subject an inbox can triage; a body naming every failure).
 */

import type { ResourceRecord } from '../../../shared/state/records';
import { dryRunCopies, dryRunNote } from '../../../shared/workflow/backup/dry-run';
import { resourceOutcome } from '../../../shared/workflow/backup/outcome';
import { phaseOf, summarize } from '../../../shared/workflow/backup/summary';
import { buildNotification, consoleLink, runEvent } from '../../../shared/workflow/notify/notification';
import { nextStep } from '../../../shared/workflow/notify/runbook';
import { resourceRecord, runRecord } from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const RUN = 'run-1';
const completed = (n: number): ResourceRecord[] =>
  Array.from({ length: n }, (_, i) =>
    resourceRecord(RUN, volumeRef(`vol-000000000000000${i}`), { status: 'COMPLETED', backupIds: [`snap-${i}`] }),
  );
const startFailure = resourceRecord(RUN, dbRef('orders'), {
  status: 'FAILED',
  error: { error: 'QuotaExceededError', cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: 100 snapshots' },
});
const snapshotFailure = resourceRecord(RUN, instanceRef('i-0aaaaaaaaaaaaaaaa'), {
  status: 'FAILED',
  backupIds: ['snap-x'],
  error: { error: 'BackupFailed', cause: 'snap-x error: internal' },
});
const planFailure = resourceRecord(RUN, dbRef('gone'), {
  status: 'FAILED',
  note: 'ResourceNotFoundError: RDS instance gone not found',
  error: { error: 'PlanFailed', cause: 'ResourceNotFoundError: RDS instance gone not found' },
});
const skipped = resourceRecord(RUN, volumeRef('vol-0bbbbbbbbbbbbbbbb'), {
  status: 'SKIPPED',
  note: 'included in the backup of arn:aws:ec2:eu-west-1:111122223333:instance/i-0aaaaaaaaaaaaaaaa',
});

describe('summarize', () => {
  it('succeeds when every resource completed or was skipped', () => {
    // Act
    const summary = summarize([...completed(2), skipped]);

    // Assess
    expect(summary).toMatchObject({
      status: 'SUCCEEDED',
      total: 3,
      completed: 2,
      failed: 0,
      skipped: 1,
      unfinished: 0,
      failures: [],
      cause: '2 of 3 backups completed, 1 skipped',
    });
  });

  it.each(['PENDING', 'CREATING', 'COPYING'] as const)(
    'counts a resource left %s at the end of the run as failed (unfinished)',
    (status) => {
      // Prepare
      const stuck = resourceRecord(RUN, volumeRef('vol-0cccccccccccccccc'), { status });

      // Act
      const summary = summarize([...completed(1), stuck]);

      // Assess
      expect(summary).toMatchObject({ status: 'FAILED', failed: 1, unfinished: 1, completed: 1 });
      expect(summary.failures).toEqual([
        {
          arn: stuck.arn,
          type: 'ebs-volume',
          region: 'eu-west-1',
          phase: 'start',
          outcome: 'IN_PROGRESS',
          error: 'Unfinished',
          cause: `left ${status} when the run ended`,
          next: nextStep('Unfinished', '', false, { arn: stuck.arn, runId: RUN }),
        },
      ]);
    },
  );

  it('names the counts and each failure in the cause', () => {
    const summary = summarize([...completed(5), startFailure, snapshotFailure, skipped]);
    expect(summary.cause).toBe(
      `2 of 8 backups failed (5 completed, 1 skipped): ${startFailure.arn} (QuotaExceededError: RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: 100 snapshots); ${snapshotFailure.arn} (BackupFailed: snap-x error: internal)`,
    );
  });

  it('lists ten failures in the cause and counts the rest', () => {
    const failures = Array.from({ length: 12 }, (_, i) =>
      resourceRecord(RUN, dbRef(`db${i}`), { status: 'FAILED', error: { error: 'X', cause: 'y' } }),
    );
    const summary = summarize(failures);
    expect(summary.failures).toHaveLength(12);
    expect(summary.cause).toMatch(/^12 of 12 backups failed .*; and 2 more$/);
    expect(summary.cause.match(/\(X: y\)/g)).toHaveLength(10);
  });

  it('uses the note when a FAILED record has no error', () => {
    const failed = resourceRecord(RUN, dbRef('x'), { status: 'FAILED', note: 'from the note' });
    expect(summarize([failed]).failures[0]).toMatchObject({ error: 'Failed', cause: 'from the note' });
  });
});

describe('phaseOf', () => {
  it('says where a resource failed: plan, start (no backup yet), snapshot, or copy (once copies began)', () => {
    expect(phaseOf(planFailure)).toBe('plan');
    expect(phaseOf(startFailure)).toBe('start');
    expect(phaseOf(snapshotFailure)).toBe('snapshot');
    const copyFailure = {
      ...snapshotFailure,
      copies: [{ region: 'us-west-2', ids: ['snap-c'], status: 'FAILED' as const, reason: 'snap-c error' }],
    };
    expect(phaseOf(copyFailure)).toBe('copy');
  });
});

describe('buildNotification', () => {
  it('writes a subject like "backup-pipeline daily: 5/7 ok, 2 failed" (skipped ones are not attempted)', () => {
    // Act
    const n = buildNotification(runRecord(RUN), [...completed(5), startFailure, snapshotFailure, skipped]);

    // Assess
    expect(n.subject).toBe('backup-pipeline daily: 5/7 ok, 2 failed');
    expect(n.failed).toBe(2);
    expect(n.mustSend).toBe(true);
  });

  it('names each failure with its resource, type, phase and reason', () => {
    const n = buildNotification(runRecord(RUN), [...completed(1), startFailure, snapshotFailure, planFailure]);
    expect(n.message).toContain(
      `  - ${startFailure.arn} [rds-instance] during start: QuotaExceededError: RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: 100 snapshots`,
    );
    expect(n.message).toContain(
      `  - ${snapshotFailure.arn} [ec2-instance] during snapshot: BackupFailed: snap-x error: internal`,
    );
    expect(n.message).toContain(`  - ${planFailure.arn} [rds-instance] during plan: PlanFailed: ResourceNotFoundError`);
  });

  it("names the resource in each failure's next step and ends the failures with the run's retry command", () => {
    // Act
    const n = buildNotification(runRecord(RUN), [...completed(1), snapshotFailure]);

    // Assess
    expect(n.message).toContain(
      `next: re-run the resource (\`backup-pipeline start --resource ${snapshotFailure.arn} --wait\`)`,
    );
    expect(n.message).toContain(`Retry the failed resources: backup-pipeline start --retry-failed ${RUN} --wait`);
    expect(n.message).not.toMatch(/<arn>|<run>/);
    expect(summarize([snapshotFailure]).failures[0]?.next).toContain(snapshotFailure.arn);
  });

  it('counts the failures by error and reason before listing them, most first', () => {
    // Prepare: three volumes refused past their start window beside the other failures.
    const windowClosed = [1, 2, 3].map((i) =>
      resourceRecord(RUN, volumeRef(`vol-0c${i}ccccccccccccccc`), {
        status: 'FAILED',
        error: {
          error: 'InvalidResourceStateError',
          cause: `start window: vol-${i} could not be started within its 8 h`,
        },
      }),
    );

    // Act
    const n = buildNotification(runRecord(RUN), [...completed(1), ...windowClosed, startFailure, snapshotFailure]);

    // Assess
    const lines = n.message.split('\n');
    expect(lines).toContain(
      'Failures by reason: 3 InvalidResourceStateError (start window); 1 BackupFailed; 1 QuotaExceededError.',
    );
    expect(lines.indexOf('Failures:')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Failures by reason')));
    expect(buildNotification(runRecord(RUN), [...completed(1), startFailure]).message).not.toContain('by reason');
  });

  it('states the outcome, the counts, what was skipped and why, what completed, and the console link', () => {
    // Prepare
    const run = runRecord(RUN, { reason: 'before release 42' });

    // Act
    const n = buildNotification(run, [...completed(1), startFailure, skipped]);

    // Assess
    const lines = n.message.split('\n');
    expect(lines[0]).toBe('Run run-1 (daily) FAILED.');
    expect(lines[1]).toBe('Started 2026-01-05T02:00:00.000Z; reason: before release 42.');
    expect(lines[2]).toBe('1 completed, 1 failed, 1 skipped, of 3 resources.');
    expect(n.message).toContain(`Skipped:\n  - ${skipped.arn}: included in the backup of`);
    expect(n.message).toContain(`Completed (backups expire ${run.expiresAt}):\n  - ${completed(1)[0]?.arn}: snap-0`);
    expect(n.message).toContain(`Execution: ${consoleLink(run.executionArn)}`);
  });

  it('says all is well without insisting on sending when everything succeeded', () => {
    const n = buildNotification(runRecord(RUN), [...completed(3), skipped]);
    expect(n.subject).toBe('backup-pipeline daily: 3/3 ok');
    expect(n.message.split('\n')[0]).toBe('Run run-1 (daily) succeeded.');
    expect(n.mustSend).toBe(false);
  });

  it('insists on sending when nothing matched (a tag typo looks exactly like that)', () => {
    const n = buildNotification(runRecord(RUN), []);
    expect(n.subject).toBe('backup-pipeline daily: nothing to back up');
    expect(n.message).toContain("No resource matched the run's targets.");
    expect(n.mustSend).toBe(true);
  });

  it('says what a dry run would back up and copy, in the subject and the body, never "0/0 ok"', () => {
    // Prepare: two resources Plan would back up (one copied, one whose type is not), one it skips, one failing.
    const planned = [
      resourceRecord(RUN, dbRef('orders'), {
        status: 'SKIPPED',
        note: dryRunNote(
          dryRunCopies(
            { region: 'eu-west-1', type: 'rds-instance' },
            [{ region: 'us-west-2', kmsKeyId: 'alias/dr' }],
            true,
          ),
        ),
      }),
      resourceRecord(RUN, volumeRef('vol-0ccccccccccccccccc'), { status: 'SKIPPED', note: dryRunNote([]) }),
    ];

    // Act
    const n = buildNotification(runRecord(RUN, { dryRun: true }), [...planned, skipped, planFailure]);

    // Assess
    expect(n.subject).toBe('backup-pipeline daily: dry run: 2 would be backed up, 1 would fail');
    const lines = n.message.split('\n');
    expect(lines[0]).toBe('Run run-1 (daily, dry run) FAILED.');
    expect(lines[2]).toBe(
      'Dry run: nothing was created, copied or deleted. 2 would be backed up, 1 would fail, 1 skipped, of 4 resources.',
    );
    expect(n.message).toContain('Would be backed up (2; nothing was created):');
    expect(n.message).toContain(`  - ${dbRef('orders').arn}: copied to us-west-2 under alias/dr`);
    expect(n.message).toContain(`  - ${volumeRef('vol-0ccccccccccccccccc').arn}: backed up, not copied (no copyTo)`);
    // The resource skipped for a reason is listed as skipped, not as planned.
    expect(n.message).toMatch(/Skipped:\n {2}- arn:aws:ec2:eu-west-1:\d+:volume\/vol-0bbbbbbbbbbbbbbbb: included in/);
  });

  it('says a dry run that matched nothing is a dry run', () => {
    const n = buildNotification(runRecord(RUN, { dryRun: true }), []);
    expect(n.subject).toBe('backup-pipeline daily: dry run: nothing to back up');
  });

  it('keeps the subject within SNS limits: printable ASCII, under 100 characters', () => {
    const long = buildNotification(runRecord(RUN), completed(1), 'x'.repeat(120));
    const accented = buildNotification(runRecord(RUN, { tier: 'täglich' }), completed(1));
    expect(long.subject).toHaveLength(99);
    expect(accented.subject).toBe('backup-pipeline taglich: 1/1 ok');
  });

  it('reports what retention deleted, would delete in a dry run, or could not delete', () => {
    const records = completed(1);
    const retention = { dryRun: false, deleted: 2, kept: 5, failedDeletes: 1, deletedIds: ['snap-a', 'snap-b'] };
    expect(buildNotification(runRecord(RUN, { retention }), records).message).toContain(
      'Retention: deleted 2, kept 5, 1 could not be deleted.\n  - snap-a\n  - snap-b',
    );
    expect(
      buildNotification(runRecord(RUN, { retention: { ...retention, dryRun: true, failedDeletes: 0 } }), records)
        .message,
    ).toContain('Retention (dry run: nothing deleted): would delete 2, kept 5.');
    expect(buildNotification(runRecord(RUN), records).message).toContain(
      'Retention: did not complete in this run (see the execution); nothing was deleted by it.',
    );
  });

  it('caps long lists of skipped and completed resources', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      resourceRecord(RUN, dbRef(`db${i}`), { status: i < 60 ? 'SKIPPED' : 'COMPLETED', note: 'x', backupIds: ['s'] }),
    );
    const n = buildNotification(runRecord(RUN), many);
    expect(n.message).toContain('  ... and 10 more');
  });
});

describe('consoleLink', () => {
  it("links to the execution in the Step Functions console of the execution's region", () => {
    expect(consoleLink('arn:aws:states:us-west-2:111122223333:execution:m:r')).toBe(
      'https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/arn:aws:states:us-west-2:111122223333:execution:m:r',
    );
  });
});

describe('runEvent', () => {
  it('carries the counts, the failures with reasons and the retention result', () => {
    const detail = runEvent(runRecord(RUN), [...completed(2), startFailure]);
    expect(detail).toEqual({
      runId: RUN,
      tier: 'daily',
      dryRun: false,
      status: 'FAILED',
      counts: { total: 3, completed: 2, failed: 1, copyFailed: 0, skipped: 0 },
      failures: [
        {
          arn: startFailure.arn,
          type: 'rds-instance',
          region: 'eu-west-1',
          phase: 'start',
          outcome: 'FAILED',
          error: 'QuotaExceededError',
          cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: 100 snapshots',
          next: nextStep('QuotaExceededError', 'SnapshotQuotaExceeded'),
        },
      ],
      retention: null,
      executionArn: runRecord(RUN).executionArn,
      startedAt: '2026-01-05T02:00:00.000Z',
    });
  });
});

describe('summarize and buildNotification on one mixed run', () => {
  // One of each outcome, with short ARNs, as Summarize and Notify read them.
  const base = { runId: 'r', type: 'ebs-volume' as const, region: 'eu-west-1', queuedAt: '2026-01-01T00:00:00Z' };
  const done: ResourceRecord = { ...base, arn: 'arn:a', resourceId: 'a', status: 'COMPLETED', backupIds: ['snap-a'] };
  const failed: ResourceRecord = {
    ...base,
    arn: 'arn:b',
    resourceId: 'b',
    status: 'FAILED',
    backupIds: ['snap-b'],
    error: { error: 'BackupFailed', cause: 'snap-b error: internal' },
  };
  const records: ResourceRecord[] = [
    done,
    failed,
    { ...base, arn: 'arn:c', resourceId: 'c', status: 'CREATING' },
    { ...base, arn: 'arn:d', resourceId: 'd', status: 'SKIPPED', note: 'included in the backup of arn:i' },
  ];
  const run = runRecord('r', {
    executionArn: 'arn:aws:states:eu-west-1:1:execution:m:r',
    startedAt: '2026-01-01T00:00:00Z',
    expiresAt: 'x',
  });

  it('counts anything unfinished as failed, so nothing hides among successes', () => {
    const summary = summarize(records);
    expect(summary).toMatchObject({ status: 'FAILED', total: 4, completed: 1, failed: 2, skipped: 1, unfinished: 1 });
    expect(summary.cause).toMatch(
      /^2 of 4 backups failed \(1 completed, 1 skipped\): arn:b \(BackupFailed: snap-b error: internal\); arn:c \(Unfinished/,
    );
  });

  it('writes a triage subject and names each failure with its phase and reason, and the console link', () => {
    const n = buildNotification(run, records);
    expect(n.subject).toBe('backup-pipeline daily: 1/3 ok, 2 failed');
    expect(n.message).toContain('arn:b [ebs-volume] during snapshot: BackupFailed: snap-b error: internal');
    expect(n.message).toContain('arn:c [ebs-volume] during start: Unfinished');
    expect(n.message).toContain('arn:d: included in the backup of arn:i');
    expect(n.message).toContain(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states',
    );
    expect(n.mustSend).toBe(true);
  });

  it('says what retention deleted, or that it did not complete', () => {
    const withRetention = {
      ...run,
      retention: { dryRun: false, deleted: 2, kept: 5, failedDeletes: 0, deletedIds: ['snap-old-1', 'snap-old-2'] },
    };
    expect(buildNotification(withRetention, records).message).toContain(
      'Retention: deleted 2, kept 5.\n  - snap-old-1\n  - snap-old-2',
    );
    expect(buildNotification(run, records).message).toContain('Retention: did not complete in this run');
  });

  it('says per region how many backups were copied, and which were not copied or failed, with the reason', () => {
    // Prepare
    const copy = (region: string, status: 'COMPLETED' | 'SKIPPED' | 'FAILED', reason: string | null = null) => ({
      region,
      ids: status === 'SKIPPED' ? [] : ['id'],
      status,
      reason,
    });
    const withCopies = [
      { ...done, copies: [copy('us-west-2', 'COMPLETED'), copy('eu-central-1', 'COMPLETED')] },
      {
        ...done,
        arn: 'arn:t',
        copies: [copy('us-west-2', 'SKIPPED', 'dynamodb-table backups are not copied across regions')],
      },
      { ...failed, copies: [copy('eu-central-1', 'FAILED', 'snap-c error')] },
    ];

    // Act
    const { message } = buildNotification(run, withCopies);

    // Assess
    expect(message).toContain(
      [
        'Copies:',
        '  - eu-central-1: 1 copied, 1 failed',
        '      arn:b: failed: snap-c error',
        '  - us-west-2: 1 copied, 1 not copied',
        '      arn:t: not copied: dynamodb-table backups are not copied across regions',
      ].join('\n'),
    );
  });

  it('does not insist on sending when its one resource completed', () => {
    expect(buildNotification(run, [done]).mustSend).toBe(false);
  });

  describe('a backup that completed whose copy failed', () => {
    const copyFailed: ResourceRecord = {
      ...failed,
      arn: 'arn:e',
      resourceId: 'e',
      backupIds: ['snap-e'],
      error: { error: 'BackupFailed', cause: 'copy to us-west-2: snap-f error: internal' },
      copies: [{ region: 'us-west-2', ids: ['snap-f'], status: 'FAILED', reason: 'snap-f error: internal' }],
    };
    const mixed = [done, failed, copyFailed];

    it('is classified COMPLETED_COPY_FAILED, apart from a failed backup and a failure at plan', () => {
      expect(resourceOutcome(copyFailed)).toBe('COMPLETED_COPY_FAILED');
      expect(resourceOutcome(failed)).toBe('FAILED');
      expect(resourceOutcome({ ...copyFailed, error: { error: 'PlanFailed', cause: 'x' } })).toBe('FAILED');
      expect(resourceOutcome({ ...copyFailed, status: 'COPYING' })).toBe('IN_PROGRESS');
    });

    it('is so too when AWS refused the copy until the deadline and no copy was recorded', () => {
      const refused: ResourceRecord = {
        ...failed,
        copyCalledAt: {},
        error: {
          error: 'InvalidResourceStateError',
          cause: 'timeout: arn:b could not be copied to us-west-2 by its deadline',
        },
      };
      expect(resourceOutcome(refused)).toBe('COMPLETED_COPY_FAILED');
      expect(phaseOf(refused)).toBe('copy');
      expect(summarize([refused]).failures[0]?.next).toBe(
        nextStep('BackupFailed', 'copy to x', false, { arn: refused.arn, runId: refused.runId }),
      );
      // Without a backup id nothing was made: a failed backup.
      expect(resourceOutcome({ ...refused, backupIds: [] })).toBe('FAILED');
    });

    it('is counted apart: neither completed nor failed, and still fails the run', () => {
      const summary = summarize(mixed);
      expect(summary).toMatchObject({ status: 'FAILED', total: 3, completed: 1, failed: 1, copyFailed: 1 });
      expect(summary.cause).toMatch(/^1 of 3 backups failed, 1 backed up but not copied \(1 completed, 0 skipped\)/);
      expect(summary.failures.map((f) => [f.arn, f.outcome])).toEqual([
        ['arn:b', 'FAILED'],
        ['arn:e', 'COMPLETED_COPY_FAILED'],
      ]);
    });

    it('reads as backed up with its copy failed in the notification, with the copy runbook step', () => {
      const n = buildNotification(run, mixed);
      expect(n.subject).toBe('backup-pipeline daily: 1/3 ok, 1 copy failed, 1 failed');
      expect(n.message).toContain(
        '1 completed, 1 backed up but not copied (copy failed), 1 failed, 0 skipped, of 3 resources.',
      );
      expect(n.message).toContain(
        `  - arn:e [ebs-volume] backed up, COPY FAILED: BackupFailed: copy to us-west-2: snap-f error: internal\n      next: ${nextStep('BackupFailed', 'copy to us-west-2', false, copyFailed)}`,
      );
      expect(n.message).toContain(
        `  - arn:b [ebs-volume] during snapshot: BackupFailed: snap-b error: internal\n      next: ${nextStep('BackupFailed', 'snap-b error', false, failed)}`,
      );
      // Its backup exists: it is listed with what was made, marked.
      expect(n.message).toMatch(
        /Completed \(backups expire x\):\n {2}- arn:a: snap-a\n {2}- arn:e: snap-e \(copy failed\)/,
      );
      expect(n.failed).toBe(2);
      expect(n.mustSend).toBe(true);
    });

    it('a copy that timed out gets the copy step too, not the snapshot timeout step', () => {
      const timedOut = { ...copyFailed, error: { error: 'BackupFailed', cause: 'timeout: still 40%' } };
      expect(summarize([timedOut]).failures[0]?.next).toBe(nextStep('BackupFailed', 'copy to x', false, timedOut));
      expect(nextStep('BackupFailed', 'timeout: still 40%')).not.toBe(nextStep('BackupFailed', 'copy to x'));
    });

    it('lists where each copy is, by region and id, beside its backup', () => {
      const copied = {
        ...done,
        copies: [{ region: 'us-west-2', ids: ['snap-copy'], status: 'COMPLETED' as const, reason: null }],
      };
      expect(buildNotification(run, [copied]).message).toContain('  - arn:a: snap-a; copies: us-west-2 snap-copy');
    });

    it('the run event counts it apart', () => {
      expect(runEvent(run, mixed).counts).toEqual({ total: 3, completed: 1, failed: 1, copyFailed: 1, skipped: 0 });
    });
  });
});
