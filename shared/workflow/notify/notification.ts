/**
 * The run notification: a subject an inbox can triage and a plain-text body that names every failure
 * (resource, phase, reason), what was skipped and why, and the console link.
 */

import { arnRegion } from '../../resource';
import type { ResourceRecord, RunLockHolder, RunRecord } from '../../state/records';
import { dryRunPlan, wouldBeBackedUp } from '../backup/dry-run';
import { backedUp, resourceOutcome } from '../backup/outcome';
import { summarize } from '../backup/summary';
import { retryFailedLine } from './runbook';
import { snsSubject } from './sns-subject';

export interface Notification {
  subject: string;
  message: string;
  failed: number;
  /** Failures always notify, and so does a run that matched nothing (a tag typo looks exactly like that). */
  mustSend: boolean;
}

/**
 * SNS accepts 256 KiB per message, body and attributes together: the body is capped below that (in UTF-8
 * bytes), so Publish never fails exactly when a run failed widely and operators need it. What does not fit
 * is counted and pointed to: the state table has every record.
 */
export const MAX_MESSAGE_BYTES = 240 * 1024;
/** One failure's reason in the message; longer ones are cut (the run report has them whole). */
export const MAX_REASON_CHARS = 1000;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function consoleLink(executionArn: string): string {
  const region = arnRegion(executionArn) ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** Each region's resources (`eu-west-1: 4 completed, 1 failed`), so a region that failed stands out. */
function byRegion(records: readonly ResourceRecord[]): string[] {
  const regions = [...new Set(records.map((r) => r.region))].sort();
  return regions.map((region) => {
    const here = summarize(records.filter((r) => r.region === region));
    const parts = [
      `${here.completed} completed`,
      here.copyFailed ? `${here.copyFailed} copy failed` : '',
      here.failed ? `${here.failed} failed` : '',
      here.skipped ? `${here.skipped} skipped` : '',
    ];
    return `${region}: ${parts.filter(Boolean).join(', ')}`;
  });
}

/**
 * The failures counted by error and the reason's leading word (`start window`, `timeout`), most first, so
 * a run where thousands failed for one cause reads as that cause before the list.
 */
function byReason(failures: readonly { error: string; cause: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const lead = /^([a-z]+(?: [a-z]+){0,3}):/.exec(f.cause)?.[1];
    const key = lead ? `${f.error} (${lead})` : f.error;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([key, count]) => `${count.toLocaleString('en')} ${key}`);
}

/** `; copies: us-west-2 snap-1, snap-2`: where each copy of a backup is, by its id in that region. */
function copiedTo(record: ResourceRecord): string {
  const made = (record.copies ?? []).filter((c) => c.status === 'COMPLETED');
  return made.length ? `; copies: ${made.map((c) => `${c.region} ${c.ids.join(', ')}`).join('; ')}` : '';
}

/** The one line an operator reads for a skipped start (notification, CLI, log). */
export function skippedLine(run: Pick<RunRecord, 'runId' | 'tier'>, holder: RunLockHolder): string {
  return `${run.tier} run ${run.runId} skipped: run ${holder.runId} still running since ${holder.startedAt}`;
}

/** A start skipped because another run of its tier still ran (shared/workflow/backup/run-lock.ts): always sent. */
function skippedNotification(run: RunRecord, holder: RunLockHolder, service: string): Notification {
  const message = [
    `${skippedLine(run, holder)}.`,
    'Nothing was backed up by this start; the running one goes on, and the next scheduled start of the tier runs as usual.',
    `A run of a tier that lasts past the next start: see docs/operations.md (runs that overlap).`,
    '',
    `Skipped start: ${consoleLink(run.executionArn)}`,
    `Still running: ${consoleLink(holder.executionArn)}`,
  ].join('\n');
  return {
    subject: snsSubject(`${service} ${run.tier}: run skipped, ${holder.runId} still running`),
    message,
    failed: 0,
    mustSend: true,
  };
}

export function buildNotification(
  run: RunRecord,
  records: readonly ResourceRecord[],
  service = 'backup-pipeline',
): Notification {
  if (run.status === 'SKIPPED' && run.skippedFor) return skippedNotification(run, run.skippedFor, service);
  const summary = summarize(records);
  const attempted = summary.total - summary.skipped;
  // A dry run backs nothing up: its subject says what a real run would, not `0/0 ok`.
  const planned = run.dryRun ? records.filter(wouldBeBackedUp) : [];
  const subject = snsSubject(
    summary.total === 0
      ? `${service} ${run.tier}: ${run.dryRun ? 'dry run: ' : ''}nothing to back up`
      : run.dryRun
        ? `${service} ${run.tier}: dry run: ${planned.length} would be backed up${summary.failed > 0 ? `, ${summary.failed} would fail` : ''}`
        : `${service} ${run.tier}: ${summary.completed}/${attempted} ok${summary.copyFailed > 0 ? `, ${summary.copyFailed} copy failed` : ''}${summary.failed > 0 ? `, ${summary.failed} failed` : ''}`,
  );
  const head: string[] = [
    `Run ${run.runId} (${run.tier}${run.dryRun ? ', dry run' : ''}) ${summary.status === 'SUCCEEDED' ? 'succeeded' : 'FAILED'}.`,
    `Started ${run.startedAt}${run.reason ? `; reason: ${run.reason}` : ''}.`,
    run.dryRun
      ? `Dry run: nothing was created, copied or deleted. ${planned.length} would be backed up, ${summary.failed} would fail, ${summary.skipped - planned.length} skipped, of ${summary.total} resources.`
      : `${summary.completed} completed, ${summary.copyFailed > 0 ? `${summary.copyFailed} backed up but not copied (copy failed), ` : ''}${summary.failed} failed, ${summary.skipped} skipped, of ${summary.total} resources.`,
    '',
  ];
  const regions = byRegion(records);
  if (regions.length > 1) head.push(`By region: ${regions.join('; ')}.`, '');
  if (summary.failures.length > 1) head.push(`Failures by reason: ${byReason(summary.failures).join('; ')}.`, '');
  if (summary.total === 0) {
    head.push("No resource matched the run's targets. Check the tags or ARNs in the schedule or the input.", '');
  }
  // Each failure with the runbook's next step (./runbook.ts); a copy that failed says its backup is kept.
  const failureLines = summary.failures.map(
    (f) =>
      `  - ${f.arn} [${f.type}] ${f.outcome === 'COMPLETED_COPY_FAILED' ? 'backed up, COPY FAILED' : `during ${f.phase}`}: ${f.error}: ${cut(f.cause, MAX_REASON_CHARS)}\n      next: ${f.next}`,
  );
  const lines: string[] = [];
  if (planned.length > 0) {
    lines.push(`Would be backed up (${planned.length}; nothing was created):`);
    for (const r of planned.slice(0, 100)) lines.push(`  - ${r.arn}: ${dryRunPlan(r.note)}`);
    if (planned.length > 100) lines.push(`  ... and ${planned.length - 100} more`);
    lines.push('');
  }
  const skipped = records.filter((r) => r.status === 'SKIPPED' && !planned.includes(r));
  if (skipped.length > 0) {
    lines.push('Skipped:');
    for (const r of skipped.slice(0, 50)) lines.push(`  - ${r.arn}: ${r.note ?? 'no reason recorded'}`);
    if (skipped.length > 50) lines.push(`  ... and ${skipped.length - 50} more`);
    lines.push('');
  }
  // Every backup made, the ones whose copy failed too: they exist, expire by their tags and can be restored.
  const completed = records.filter((r) => backedUp(resourceOutcome(r)));
  if (completed.length > 0) {
    lines.push(`Completed (backups expire ${run.expiresAt}):`);
    for (const r of completed.slice(0, 100))
      lines.push(
        `  - ${r.arn}: ${(r.backupIds ?? []).join(', ')}${copiedTo(r)}${resourceOutcome(r) === 'COMPLETED_COPY_FAILED' ? ' (copy failed)' : ''}`,
      );
    if (completed.length > 100) lines.push(`  ... and ${completed.length - 100} more`);
    lines.push('');
  }
  const copies = records.flatMap((r) => (r.copies ?? []).map((c) => ({ ...c, arn: r.arn })));
  if (copies.length > 0) {
    lines.push('Copies:');
    const regions = [...new Set(copies.map((c) => c.region))].sort();
    for (const region of regions) {
      const here = copies.filter((c) => c.region === region);
      const count = (status: string) => here.filter((c) => c.status === status).length;
      lines.push(
        `  - ${region}: ${count('COMPLETED')} copied${count('SKIPPED') ? `, ${count('SKIPPED')} not copied` : ''}${count('FAILED') ? `, ${count('FAILED')} failed` : ''}${count('COPYING') ? `, ${count('COPYING')} unfinished` : ''}`,
      );
      for (const c of here.filter((x) => x.status === 'SKIPPED' || x.status === 'FAILED').slice(0, 20))
        lines.push(
          `      ${c.arn}: ${c.status === 'SKIPPED' ? 'not copied' : 'failed'}: ${c.reason ?? 'no reason recorded'}`,
        );
    }
    lines.push('');
  }
  if (run.retention) {
    const r = run.retention;
    lines.push(
      `Retention${r.dryRun ? ' (dry run: nothing deleted)' : ''}: ${r.dryRun ? 'would delete' : 'deleted'} ${r.deleted}, kept ${r.kept}${r.failedDeletes ? `, ${r.failedDeletes} could not be deleted` : ''}.`,
    );
    if (r.failedUnits?.length)
      lines.push(`  Did not finish in ${r.failedUnits.join(', ')}: what is expired there is deleted by the next run.`);
    for (const id of r.deletedIds.slice(0, 20)) lines.push(`  - ${id}`);
    if (r.deletedIds.length > 20) lines.push(`  ... and ${r.deletedIds.length - 20} more`);
  } else {
    lines.push('Retention: did not complete in this run (see the execution); nothing was deleted by it.');
  }
  lines.push('');
  if (run.executionArn) lines.push(`Execution: ${consoleLink(run.executionArn)}`);

  // Failures come first and take what room the rest leaves; the ones that do not fit are counted.
  const failures: string[] = [];
  if (failureLines.length > 0) {
    const pointer = (left: number) =>
      `  ... and ${left} more failure(s) not listed: the message is capped at SNS's size limit. Every failure: backup-pipeline status ${run.runId} (or backup-pipeline report ${run.runId}).`;
    let room =
      MAX_MESSAGE_BYTES -
      bytes([...head, 'Failures:', '', ...lines].join('\n')) -
      bytes(pointer(failureLines.length)) -
      bytes(retryFailedLine(run.runId)) -
      16;
    const listed: string[] = [];
    for (const line of failureLines) {
      room -= bytes(line) + 1;
      if (room < 0) break;
      listed.push(line);
    }
    failures.push('Failures:', ...listed);
    if (listed.length < failureLines.length) failures.push(pointer(failureLines.length - listed.length));
    // A dry run made nothing to retry; a real one ends its failures with the command that retries them.
    if (!run.dryRun) failures.push(retryFailedLine(run.runId));
    failures.push('');
  }
  let message = [...head, ...failures, ...lines].join('\n');
  // The rest is bounded by its own caps; should it still not fit, cut at a line and say so.
  if (bytes(message) > MAX_MESSAGE_BYTES) {
    const note = `\n... message cut at SNS's size limit: backup-pipeline report ${run.runId}`;
    while (bytes(message) + bytes(note) > MAX_MESSAGE_BYTES) message = message.slice(0, message.lastIndexOf('\n'));
    message += note;
  }
  return {
    subject,
    message,
    failed: summary.failures.length,
    mustSend: summary.failures.length > 0 || summary.total === 0,
  };
}

export const RUN_EVENT_SOURCE = 'backup-pipeline';
export const RUN_EVENT_DETAIL_TYPE = 'Backup Run Completed';

/** The EventBridge event detail of a finished run: counts, failures with reasons, retention, link. */
export function runEvent(run: RunRecord, records: readonly ResourceRecord[]) {
  const summary = summarize(records);
  return {
    runId: run.runId,
    tier: run.tier,
    dryRun: run.dryRun,
    status: run.status === 'SKIPPED' ? run.status : summary.status,
    ...(run.skippedFor ? { skippedFor: run.skippedFor } : {}),
    counts: {
      total: summary.total,
      completed: summary.completed,
      failed: summary.failed,
      copyFailed: summary.copyFailed,
      skipped: summary.skipped,
    },
    // EventBridge takes 256 KB per PutEvents: 50 failures with their reasons cut stay far below it.
    failures: summary.failures.slice(0, 50).map((f) => ({ ...f, cause: cut(f.cause, MAX_REASON_CHARS) })),
    retention: run.retention ?? null,
    executionArn: run.executionArn,
    startedAt: run.startedAt,
  };
}
