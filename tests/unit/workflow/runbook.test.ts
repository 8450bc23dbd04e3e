/**
 * shared/workflow/notify/runbook.ts: the runbook's next step for each error, one table in code that status,
 * the run report and the notification print. Every error the code can end a backup, restore or run with
 * has an entry, and docs/operations.md states the same step for it, so the docs and the views never drift.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_NAMES } from '../../../shared/errors';
import { SERVICE_RUNBOOK } from '../../../shared/services/catalog';
import {
  DEFAULT_NEXT_STEP,
  nextStep,
  RUNBOOK,
  retryFailedCommand,
  runbookEntry,
} from '../../../shared/workflow/notify/runbook';

const ROOT = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every named error class in shared/ and functions/, and every error a Fail state of the ASL raises. */
function namedErrors(): string[] {
  const names = new Set<string>();
  for (const file of [...sources('shared'), ...sources('functions')])
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/readonly name = '(\w+)'/g)) names.add(m[1] ?? '');
  for (const asl of ['statemachines/backup.asl.json', 'statemachines/restore.asl.json'])
    for (const m of readFileSync(join(ROOT, asl), 'utf8').matchAll(/"Error": "(\w+)"/g)) names.add(m[1] ?? '');
  return [...names].sort();
}

describe('runbook', () => {
  it.each(ERROR_NAMES)('has a next step for %s (shared/errors.ts)', (name) => {
    expect(runbookEntry(name)).toBeDefined();
  });

  it('has a next step for every named error the code throws and every error the ASL fails with', () => {
    const missing = namedErrors().filter((name) => !runbookEntry(name));
    expect(missing).toEqual([]);
  });

  it('picks the step by the reason where one error has several causes', () => {
    expect(nextStep('BackupFailed', 'copy to us-west-2: snap-1 error')).toMatch(/--retry-failed <run>/);
    expect(nextStep('BackupFailed', 'timeout: still 40%')).toMatch(/deadlineHours/);
    expect(nextStep('BackupFailed', 'snap-1 error: internal')).toMatch(/support case/);
    expect(nextStep('InvalidResourceStateError', 'x: start window: could not be started')).toMatch(/quota/);
    expect(nextStep('InvalidResourceStateError', 'RDS instance orders is stopped')).toMatch(/start or repair/);
  });

  it("gives a service's causes its service's step, where the service declares it (its catalog's runbook)", () => {
    // Prepare / Act / Assess: each service's entry is in the runbook, and wins for its cause.
    for (const entry of SERVICE_RUNBOOK) expect(RUNBOOK).toContain(entry);
    expect(nextStep('QuotaExceededError', 'vol-1: SnapshotLimitExceeded: too many')).toMatch(/EBS snapshots/);
    expect(nextStep('QuotaExceededError', 'quota: 100 of 100 manual DB snapshots used in eu-west-1')).toMatch(
      /^Plan found no room/,
    );
    expect(nextStep('QuotaExceededError', 'SnapshotQuotaExceeded')).toMatch(/^100 manual RDS snapshots/);
    // ElastiCache's node quota answers the same fault name: its own step, not RDS's catch-all.
    expect(
      nextStep('QuotaExceededError', 'ElastiCache CreateSnapshot carts: SnapshotQuotaExceededFault: Node carts-002 …'),
    ).toMatch(/^ElastiCache allows 20 manual snapshots per node/);
    expect(nextStep('InvalidResourceStateError', 'orders has no point-in-time recovery, which export needs')).toMatch(
      /point-in-time recovery/,
    );
    expect(nextStep('InvalidResourceStateError', 'x: start window: has no point-in-time recovery')).toMatch(/quota/);
  });

  it('shadows no entry: none follows a catch-all of its own error, and every error a service names exists', () => {
    // Prepare
    const known = new Set([...ERROR_NAMES, ...namedErrors()]);

    // Act
    const shadowed = RUNBOOK.filter((entry, i) =>
      RUNBOOK.slice(0, i).some((before) => before.error === entry.error && before.reason === undefined),
    );

    // Assess
    expect(shadowed).toEqual([]);
    expect(SERVICE_RUNBOOK.map((e) => e.error).filter((name) => !known.has(name))).toEqual([]);
  });

  it('gives a backup whose copy failed the copy step, whatever error ended the copy', () => {
    expect(nextStep('LimitExceededError', 'timeout', true)).toBe(nextStep('BackupFailed', 'copy to x'));
  });

  it('names the resource and the run in the step, never a placeholder to fill in', () => {
    // Act
    const step = nextStep('BackupFailed', 'snap-1 error: internal', false, {
      arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
      runId: 'daily-1',
    });
    const copy = nextStep('BackupFailed', 'copy to us-west-2: snap-1 error', true, { arn: 'arn:x', runId: 'daily-1' });
    const run = nextStep('BackupsFailed', '', false, { runId: 'daily-1' });

    // Assess
    expect(step).toContain('`backup-pipeline start --resource arn:aws:rds:eu-west-1:111122223333:db:orders --wait`');
    expect(copy).toContain('`backup-pipeline start --retry-failed daily-1 --wait`');
    expect(run).toContain('`backup-pipeline status daily-1`');
    for (const text of [step, copy, run]) expect(text).not.toMatch(/<arn>|<run>|<region>|<key>/);
    expect(retryFailedCommand('daily-1')).toBe('backup-pipeline start --retry-failed daily-1 --wait');
  });

  it('gives an error it does not name the general step, never nothing', () => {
    expect(nextStep('States.Timeout')).toBe(DEFAULT_NEXT_STEP);
  });

  it("matches docs/operations.md: each error's row states the same next step, under a section that exists", () => {
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const rows = docs.split('\n').filter((line) => line.startsWith('|'));
    const headings = docs
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => line.replace(/^#+\s*/, ''));
    for (const entry of RUNBOOK) {
      expect(rows.some((row) => row.includes(`\`${entry.error}\``) && row.includes(entry.next))).toBe(true);
      expect(headings).toContain(entry.section);
    }
  });
});
