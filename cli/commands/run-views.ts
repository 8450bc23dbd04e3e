/** Plain-text and JSON views of runs for the operator CLI (status, runs, start --wait). */

import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { RESOURCE_TYPES } from '../../shared/resource';
import type { RecordedRetentionDecision, ResourceRecord, RunRecord } from '../../shared/state/records';
import { backedUp, COPY_FAILED_MEANING, outcomeLabel, resourceOutcome } from '../../shared/workflow/backup/outcome';
import { summarize } from '../../shared/workflow/backup/summary';
import { skippedLine } from '../../shared/workflow/notify/notification';
import { retryFailedLine } from '../../shared/workflow/notify/runbook';
import { humanDuration, tookSeconds } from '../durations';
import { middleCut } from './backups';

const pad = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/** Copies made of the total asked (`2/2`), marked when one failed (`!`) or a type is not copied (`-`). */
export function copiesCell(r: ResourceRecord): string {
  const copies = r.copies ?? [];
  if (copies.length === 0) return '-';
  const done = copies.filter((c) => c.status === 'COMPLETED').length;
  const mark = copies.some((c) => c.status === 'FAILED') ? '!' : copies.some((c) => c.status === 'SKIPPED') ? '-' : '';
  return `${done}/${copies.length}${mark}`;
}

/** What the COPIES column prints, under every table that has one (read with copiesCell above). */
export const COPIES_LEGEND = [
  'COPIES: copies made / regions asked. 1/1 every copy made; 0/1 still copying; 0/1! a copy failed (the backup itself',
  '  completed: STATUS reads COPY FAILED); 0/1- not copied (a type that cannot be copied across regions, or the',
  "  source's own region); - no copy asked. Each copy's region and id is on the line under its resource.",
].join('\n');

export interface ResourceTableOptions {
  /** The run's expiry (its backups' expires-at tag), shown per backup made. */
  expiresAt?: string;
  /** List the failures with their next step under the table (default true). */
  failures?: boolean;
  /** The run's id once it ended: its failures end with the command that retries them. */
  retryRunId?: string;
}

/** A type name is never cut: the column is as wide as the longest the catalog has. */
export const TYPE_WIDTH = Math.max(...RESOURCE_TYPES.map((type) => type.length));

const when = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');

/**
 * Per-resource table: region, outcome, backup id (cut in the middle, so its kind and its distinct end both
 * show), expiry, polls, duration, copies with each copy's region and id, then the failures, each with the
 * runbook's next step, and the COPIES legend.
 */
export function resourceTable(records: readonly ResourceRecord[], options: ResourceTableOptions = {}): string {
  const header = `${pad('RESOURCE', 30)} ${pad('TYPE', TYPE_WIDTH)} ${pad('REGION', 14)} ${pad('STATUS', 11)} ${pad('BACKUP', 40)} ${pad('EXPIRES', 16)} ${'POLLS'.padStart(5)} ${'TOOK'.padStart(6)} ${'COPIES'.padStart(6)}`;
  const rows = [...records]
    .sort(
      (a, b) =>
        a.type.localeCompare(b.type) || a.region.localeCompare(b.region) || a.resourceId.localeCompare(b.resourceId),
    )
    .flatMap((r) => {
      const ids = r.backupIds ?? [];
      const more = ids.length > 1 ? ` +${ids.length - 1}` : '';
      const backup = ids[0] ? `${middleCut(ids[0], 40 - more.length)}${more}` : (r.note ?? r.error?.cause ?? '-');
      const expires = ids.length > 0 && backedUp(resourceOutcome(r)) ? when(options.expiresAt) : '-';
      const row = `${middleCut(r.resourceId, 30).padEnd(30)} ${pad(r.type, TYPE_WIDTH)} ${pad(r.region, 14)} ${pad(outcomeLabel(r), 11)} ${pad(backup, 40)} ${pad(expires, 16)} ${String(r.polls ?? 0).padStart(5)} ${humanDuration(tookSeconds(r)).padStart(6)} ${copiesCell(r).padStart(6)}`;
      const copies = (r.copies ?? []).map(
        (c) =>
          `${' '.repeat(31)}↳ copy ${c.region}: ${c.ids.length ? c.ids.join(', ') : '-'} (${c.status}${c.reason && c.status !== 'COMPLETED' ? `: ${c.reason}` : ''})`,
      );
      return [row, ...copies];
    });
  const failures =
    options.failures === false
      ? []
      : summarize(records)
          .failures.filter((f) => f.outcome !== 'IN_PROGRESS')
          .map((f) => {
            const id = records.find((r) => r.arn === f.arn)?.resourceId ?? f.arn;
            const what = f.outcome === 'COMPLETED_COPY_FAILED' ? ' (backed up, copy failed)' : '';
            return `  ✗ ${id}${what}: ${f.error}: ${f.cause}\n      next: ${f.next}`;
          });
  const copied = records.some((r) => (r.copies ?? []).length > 0);
  const copyFailed = records.some((r) => resourceOutcome(r) === 'COMPLETED_COPY_FAILED');
  return [
    header,
    ...rows,
    ...(copied ? ['', COPIES_LEGEND] : []),
    ...(copyFailed ? [COPY_FAILED_MEANING] : []),
    ...(failures.length ? ['', 'Failures:', ...failures] : []),
    ...(failures.length && options.retryRunId ? [retryFailedLine(options.retryRunId)] : []),
  ].join('\n');
}

/** `3 completed, 1 backed up but not copied, 1 failed, 0 skipped, of 5 resources`: the run's figures, as Summarize counts them. */
export function countsLine(records: readonly ResourceRecord[]): string {
  const s = summarize(records);
  return `${s.completed} completed, ${s.copyFailed ? `${s.copyFailed} backed up but not copied (COPY FAILED), ` : ''}${s.failed} failed, ${s.skipped} skipped, of ${s.total} resources`;
}

/** A run's id as the runs table shows it: a dry run says so, since it backed nothing up. */
const runCell = (r: ShownRun) => pad(`${r.runId}${r.dryRun ? ' (dry run)' : ''}`, 40);

export function runsTable(runs: readonly ShownRun[]): string {
  const header = `${pad('RUN', 40)} ${pad('TIER', 8)} ${pad('STATUS', 10)} ${pad('STARTED', 20)} ${'OK'.padStart(5)} ${'FAILED'.padStart(6)} ${'COPY_FAILED'.padStart(11)} ${'SKIPPED'.padStart(7)}`;
  const rows = runs.map((r) =>
    r.status === 'SKIPPED'
      ? // A skipped start backed nothing up: it says which run it yielded to instead of counts.
        `${runCell(r)} ${pad(r.tier, 8)} ${pad(r.status, 10)} ${pad(r.startedAt.slice(0, 19).replace('T', ' '), 20)} ${r.skippedFor ? `${r.skippedFor.runId} still running` : ''}`
      : `${runCell(r)} ${pad(r.tier, 8)} ${pad(r.status, 10)} ${pad(r.startedAt.slice(0, 19).replace('T', ' '), 20)} ${String(r.counts?.completed ?? '-').padStart(5)} ${String(r.counts?.failed ?? '-').padStart(6)} ${String(r.counts?.copyFailed ?? '-').padStart(11)} ${String(r.counts?.skipped ?? '-').padStart(7)}`,
  );
  return [header, ...rows].join('\n');
}

/** Why a run was skipped, for `status` and `start --wait`; undefined for a run that was not. */
export function skippedView(run: RunRecord): string | undefined {
  if (run.status !== 'SKIPPED' || !run.skippedFor) return undefined;
  return `${skippedLine(run, run.skippedFor)}: nothing was backed up by this start (runs of a tier never overlap).\n  still running: ${run.skippedFor.executionArn}`;
}

export function resourceJson(r: ResourceRecord) {
  return {
    arn: r.arn,
    type: r.type,
    region: r.region,
    status: r.status,
    /** COMPLETED_COPY_FAILED for a backup that completed whose copy failed (shared/workflow/backup/outcome.ts). */
    outcome: resourceOutcome(r),
    backupIds: r.backupIds ?? [],
    polls: r.polls ?? 0,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt ?? null,
    finishedAt: r.finishedAt ?? null,
    durationSeconds: tookSeconds(r) ?? null,
    note: r.note ?? null,
    error: r.error ?? null,
    copies: (r.copies ?? []).map((c) => ({
      region: c.region,
      ids: c.ids,
      status: c.status,
      reason: c.reason ?? null,
      startedAt: c.startedAt ?? null,
      finishedAt: c.finishedAt ?? null,
    })),
  };
}

/**
 * A run as scripts read it (`status <run> --json`, `start --json --wait`; docs/cli-json.md): the run's record,
 * how its execution ended, every resource, and its retention (with every decision when `withRetention`).
 */
export function runJson(
  runId: string,
  run: ShownRun,
  execution: ExecutionOutcome | undefined,
  records: readonly ResourceRecord[],
  withRetention: boolean,
) {
  return {
    runId,
    tier: run.tier,
    status: runOutcome(run, execution),
    dryRun: run.dryRun,
    execution: execution ?? null,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    counts: run.counts ?? null,
    expiresAt: run.expiresAt,
    skippedFor: run.skippedFor ?? null,
    executionArn: run.executionArn,
    resources: records.map(resourceJson),
    ...(withRetention ? retentionJson(run) : { retention: run.retention ?? null }),
  };
}

/** How an execution ended, as DescribeExecution tells it. */
export interface ExecutionOutcome {
  status: string;
  error?: string;
  cause?: string;
  /** When it ended (ISO), for an execution that did. */
  stopDate?: string;
}

/**
 * An execution described once it has ended, asked every `pollSeconds` (the `--json --wait` paths, which
 * print nothing until the end).
 */
export async function describeWhenEnded(
  sfn: SFNClient,
  executionArn: string,
  pollSeconds: number,
): Promise<DescribeExecutionCommandOutput> {
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (described.status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, pollSeconds * 1000));
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  return described;
}

/** How an execution ended, in the one shape `status --json` and `start --json --wait` print. */
export function outcomeOf(described: DescribeExecutionCommandOutput): ExecutionOutcome {
  return {
    status: described.status ?? 'RUNNING',
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
    ...(described.stopDate ? { stopDate: described.stopDate.toISOString() } : {}),
  };
}

/** A run as the CLI shows it: its record, with the status its execution ended in (see closedRun). */
export type ShownRun = Omit<RunRecord, 'status' | 'retention'> & {
  status: string;
  /** `partial`: the run ended during retention; these are the passes that ran (statusCommand). */
  retention?: RunRecord['retention'] & { partial?: boolean };
};

/**
 * The run closed as its execution ended. A stopped (or timed-out) execution runs no further task, so
 * nothing writes its record's end: the record would read RUNNING for ever. The CLI asks Step Functions
 * (docs/architecture.md, "Stopped runs") and shows the execution's status and stop time instead.
 */
export function closedRun<T extends ShownRun>(run: T, execution: ExecutionOutcome | undefined): T {
  const status = runOutcome(run, execution);
  if (status === run.status) return run;
  return { ...run, status, finishedAt: run.finishedAt ?? execution?.stopDate };
}

/**
 * A run's status for `status`: its record's, unless its execution ended otherwise. Summarize writes the
 * record before Apply retention and Notify, and nothing does if the execution dies earlier: a run whose
 * execution FAILED, TIMED_OUT or was ABORTED ended so, whatever its backups did.
 */
export function runOutcome(run: Pick<ShownRun, 'status'>, execution: ExecutionOutcome | undefined): string {
  if (!execution || execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') return run.status;
  return execution.status;
}

/** Whether `status` lists a run's retention decisions: when asked, or for a dry run (whose point they are). */
export function showsRetention(run: Pick<RunRecord, 'dryRun'>, asked: boolean): boolean {
  return asked || run.dryRun;
}

/** The resource part of a source ARN (`vol-0abc`, `orders`), which is what an operator recognises. */
const sourceName = (arn: string | undefined) => (arn ? (arn.split(/[/:]/).at(-1) ?? arn) : '-');

/** Deletes first, then per source and tier, newest first: the order an operator reviews a dry run in. */
function reviewOrder(decisions: readonly RecordedRetentionDecision[]): RecordedRetentionDecision[] {
  return [...decisions].sort(
    (a, b) =>
      Number(a.action !== 'delete') - Number(b.action !== 'delete') ||
      (a.source ?? '').localeCompare(b.source ?? '') ||
      (a.tier ?? '').localeCompare(b.tier ?? '') ||
      (b.createdAt ?? '').localeCompare(a.createdAt ?? '') ||
      a.id.localeCompare(b.id),
  );
}

/** Retention of one run: what it deleted (a dry run: would delete) and kept, each with the deciding rule. */
export function retentionView(run: Pick<ShownRun, 'runId' | 'retention' | 'retentionDecisions'>): string {
  const r = run.retention;
  if (!r) return 'Retention: not applied (the run did not reach it, or is still running)';
  const counts = r.dryRun ? `would delete ${r.deleted}, keep ${r.kept}` : `deleted ${r.deleted}, kept ${r.kept}`;
  const failed = r.failedDeletes ? `, ${r.failedDeletes} failed to delete` : '';
  const summary = r.partial
    ? `Retention stopped part-way (the run ended during it): ${counts}${failed} in the passes that ran${r.failedUnits?.length ? `; unfinished: ${r.failedUnits.join(', ')}` : ''}`
    : `Retention${r.dryRun ? ' (dry run, nothing deleted)' : ''}: ${counts}${failed}`;
  const decisions = reviewOrder(run.retentionDecisions ?? []);
  if (decisions.length === 0) return summary;
  // Backup ids are what an operator copies into a restore or delete command: never cut them short.
  const idWidth = Math.max(6, ...decisions.map((d) => d.id.length));
  const kindWidth = Math.max(4, ...decisions.map((d) => d.kind.length));
  const header = `${pad('ACTION', 7)} ${pad('BACKUP', idWidth)} ${pad('KIND', kindWidth)} ${pad('TIER', 8)} ${pad('SOURCE', 22)} ${pad('CREATED', 16)} RULE`;
  const rows = decisions.map(
    (d) =>
      `${pad(d.action, 7)} ${pad(d.id, idWidth)} ${pad(d.kind, kindWidth)} ${pad(d.tier ?? '-', 8)} ${pad(sourceName(d.source), 22)} ${pad(d.createdAt?.slice(0, 16).replace('T', ' ') ?? '-', 16)} ${d.rule}`,
  );
  const total = r.deleted + r.kept + r.failedDeletes;
  const capped =
    total > decisions.length
      ? [`(${decisions.length} of ${total} decisions recorded: the run keeps at most that many, deletes first)`]
      : [];
  return [summary, header, ...rows, ...capped].join('\n');
}

/** The same for `--json`: the run's retention summary and every recorded decision, in review order. */
export function retentionJson(run: Pick<ShownRun, 'runId' | 'retention' | 'retentionDecisions'>) {
  return {
    retention: run.retention ?? null,
    retentionDecisions: reviewOrder(run.retentionDecisions ?? []).map((d) => ({
      action: d.action,
      id: d.id,
      kind: d.kind,
      region: d.region,
      tier: d.tier ?? null,
      source: d.source ?? null,
      createdAt: d.createdAt ?? null,
      ruleId: d.ruleId ?? null,
      rule: d.rule,
    })),
  };
}
