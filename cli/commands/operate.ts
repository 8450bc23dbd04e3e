/**
 * Operator commands against a deployed pipeline or the sandbox (same code path): `start` builds the
 * execution input from flags, validates it with Plan's own schema before calling StartExecution and
 * can follow the run; `status` and `runs` read the state table, the run's record of truth, and `status`
 * also asks Step Functions how the execution ended (a run can fail after its record was written).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InvalidInputError } from '../../shared/errors';
import { type ResourceRecord, type RunRecord, withoutTableAttributes } from '../../shared/state/records';
import { RetentionLedger } from '../../shared/state/retention-ledger';
import { StateStore } from '../../shared/state/store';
import { tableCreatedAt } from '../../shared/state/table';
import { validateExecutionInput } from '../../shared/workflow/backup/input';
import { resourceOutcome } from '../../shared/workflow/backup/outcome';
import { type TierFreshness, tierFreshness } from '../../shared/workflow/freshness/freshness';
import { FRESHNESS_RUN_FIELDS, readResourceFreshness } from '../../shared/workflow/freshness/latest-points';
import { consoleLink } from '../../shared/workflow/notify/notification';
import { nextStep } from '../../shared/workflow/notify/runbook';
import { addUpPasses } from '../../shared/workflow/retention/retention-summary';
import { progressPrinter, progressView } from '../progress';
import { CliError, explainAwsError, resolveTarget, type Target, type TargetOptions } from '../target';
import { nameResolver } from './backups';
import { dryRunView } from './dry-run-view';
import {
  closedRun,
  countsLine,
  describeWhenEnded,
  type ExecutionOutcome,
  outcomeOf,
  resourceTable,
  retentionView,
  runJson,
  runsTable,
  type ShownRun,
  showsRetention,
  skippedView,
} from './run-views';

type Out = NodeJS.WritableStream;
const line = (out: Out, text = '') => out.write(`${text}\n`);

/** The state store of the target's table, and its client (the restore store reads the same table). */
export function storeFor(target: Target): { store: StateStore; client: DynamoDBClient; close(): void } {
  const client = new DynamoDBClient({ region: target.region });
  return {
    store: new StateStore(DynamoDBDocumentClient.from(client), target.tableName),
    client,
    close: () => client.destroy(),
  };
}

export interface StartOptions extends TargetOptions {
  tier?: string;
  resource: string[];
  tag: string[];
  copyTo: string[];
  dryRun: boolean;
  reason?: string;
  retentionDays?: number;
  name?: string;
  wait: boolean;
  pollSeconds: number;
  /** One JSON object for scripts (docs/cli-json.md) instead of the text and the progress line. */
  json?: boolean;
  /** A run id (or execution ARN) whose FAILED resources this start backs up again, in its tier. */
  retryFailed?: string;
}

/** `--copy-to region[:kms]` values to `copyTo` (a key may be an ARN, which has colons of its own). */
export function parseCopyTo(specs: readonly string[]): { region: string; kmsKeyId?: string }[] {
  return specs.map((spec) => {
    const [region = '', ...kms] = spec.split(':');
    return { region, ...(kms.length ? { kmsKeyId: kms.join(':') } : {}) };
  });
}

/** Flags to execution input: `--tag k=v` (repeatable), `--copy-to region[:kms]`, `--resource arn`. */
export function buildInput(options: StartOptions): Record<string, unknown> {
  const tags: Record<string, string> = {};
  for (const pair of options.tag) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`bad --tag "${pair}": use key=value`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const targets = {
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(options.resource.length ? { resources: options.resource } : {}),
  };
  const copyTo = parseCopyTo(options.copyTo);
  return {
    ...(options.tier ? { tier: options.tier } : {}),
    ...(Object.keys(targets).length ? { targets } : {}),
    ...(copyTo.length ? { copyTo } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
  };
}

export function executionName(tier: string, at: Date): string {
  return `${tier}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * The fields a retry carries over from the run's own input, as stored: whatever they hold, Plan
 * validates them again with the rest of the retry's input.
 */
const retriedFieldsSchema = z.object({ copyTo: z.unknown().optional(), retentionDays: z.unknown().optional() });

/**
 * A resource `--retry-failed` backs up again: FAILED, or, once the run has ended (stopped, timed out),
 * left unfinished (PENDING, CREATING, COPYING), which `status` counts as failed too.
 */
const retried = (r: Pick<ResourceRecord, 'status'>, ended: boolean) =>
  r.status === 'FAILED' || (ended && resourceOutcome(r) === 'IN_PROGRESS');

/**
 * What `start --retry-failed <run>` sends: the run's tier, exactly its FAILED resources' ARNs, and its
 * copy targets and retention override (a retry makes what the run should have made). A run with nothing
 * failed is refused: a retry of nothing would read as a retry that worked.
 */
export function retryInput(
  runId: string,
  run: Pick<RunRecord, 'tier' | 'input'>,
  records: readonly Pick<ResourceRecord, 'arn' | 'status'>[],
  { ended }: { ended: boolean } = { ended: false },
): { tier: string; resources: string[]; copyTo?: unknown; retentionDays?: unknown } {
  const resources = records.filter((r) => retried(r, ended)).map((r) => r.arn);
  if (resources.length === 0)
    throw new CliError(`run ${runId} has no failed resources: nothing to retry ("backup-pipeline status ${runId}")`);
  const parsed = retriedFieldsSchema.safeParse(run.input);
  const original: z.infer<typeof retriedFieldsSchema> = parsed.success ? parsed.data : {};
  return {
    tier: run.tier,
    resources,
    ...(original.copyTo !== undefined ? { copyTo: original.copyTo } : {}),
    ...(original.retentionDays !== undefined ? { retentionDays: original.retentionDays } : {}),
  };
}

/** The execution input of `start`: from the flags, or for `--retry-failed` from the run it retries. */
async function startInput(
  options: StartOptions,
  store: StateStore,
  target: Target,
): Promise<{ input: Record<string, unknown>; retry?: { runId: string; failed: ResourceRecord[] } }> {
  if (!options.retryFailed) {
    // Short names as the tables print them (orders, vol-0abc…), resolved as `backups` resolves them.
    const resolve = nameResolver(store, target);
    const resource: string[] = [];
    for (const r of options.resource) resource.push(await resolve(r));
    return { input: buildInput({ ...options, resource }) };
  }
  if (options.resource.length > 0 || options.tag.length > 0)
    throw new CliError('--retry-failed backs up the failed resources of a run: give no --resource or --tag with it');
  const { runId, run, resources } = await loadRun(store, target.tableName, options.retryFailed);
  const ended = closedRun(run, await executionOutcome(target.region, run.executionArn)).status !== 'RUNNING';
  const retry = retryInput(runId, run, resources, { ended });
  if (options.tier && options.tier !== retry.tier)
    throw new CliError(`run ${runId} is a ${retry.tier} run: its retry runs in ${retry.tier} (omit --tier)`);
  const input = buildInput({
    ...options,
    tier: retry.tier,
    resource: retry.resources,
    reason: options.reason ?? `retry of the failed resources of run ${runId}`,
  });
  if (options.copyTo.length === 0 && retry.copyTo !== undefined) input.copyTo = retry.copyTo;
  if (options.retentionDays === undefined && retry.retentionDays !== undefined)
    input.retentionDays = retry.retentionDays;
  return {
    input,
    retry: { runId, failed: resources.filter((r) => retried(r, ended)) },
  };
}

/** `backup-pipeline start`: StartExecution with validated input; `--wait` (and always a dry run) follows it. */
export async function startCommand(options: StartOptions, out: Out = process.stdout): Promise<number> {
  const target = await resolveTarget(options);
  if (target.recovery)
    throw new CliError(
      `${target.region} holds the recovery stack, which restores and does not back up: start runs in the home region (${target.config.recovery?.homeRegion ?? 'the region the stack is deployed in'})`,
    );
  const { store, close } = storeFor(target);
  const sfn = new SFNClient({ region: target.region });
  try {
    const { input, retry } = await startInput(options, store, target);
    let tier: string;
    try {
      tier = validateExecutionInput(input, {
        tiers: target.config.tiers,
        defaultTier: target.config.defaultTier,
        defaultTargetTags: target.config.defaultTargetTags,
      }).tier;
    } catch (error) {
      if (error instanceof InvalidInputError) throw new CliError(`the run was not started: ${error.message}`);
      throw error;
    }
    // Named by the service's clock (the sandbox's runs ahead of this machine's), as its records are.
    const now = new Date(Date.now() + target.clockOffsetMs);
    const name = options.name ?? (retry ? executionName(`${tier}-retry`, now) : executionName(tier, now));
    const started = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(input) }))
      .catch((error: unknown) => {
        if ((error as Error).name === 'ExecutionAlreadyExists')
          throw new CliError(`a run named ${name} already exists: pick another --name`);
        throw explainAwsError(error, 'StartExecution');
      });
    const executionArn = started.executionArn ?? '';
    if (options.json) return await startJson(sfn, store, { name, executionArn }, options, out);
    line(out, `Started ${options.dryRun ? 'dry run' : 'run'} ${name}${retry ? ` (${tier})` : ''}`);
    if (retry) {
      const unfinished = retry.failed.some((r) => r.status !== 'FAILED');
      line(
        out,
        `  retrying the ${retry.failed.length} failed${unfinished ? ' or unfinished' : ''} resource(s) of run ${retry.runId}:`,
      );
      for (const r of retry.failed)
        line(
          out,
          `    ${r.resourceId} (${r.type}, ${r.region}) ${r.arn}: ${r.status === 'FAILED' ? (r.error?.error ?? 'Failed') : `Unfinished (left ${r.status} when the run ended)`}`,
        );
    }
    line(out, `  execution: ${executionArn}`);
    line(out, `  console:   ${consoleLink(executionArn)}`);
    // A dry run creates nothing and ends in seconds: its point is the plan it prints, so it is always followed.
    if (!options.wait && !options.dryRun) {
      line(out, `  follow:    backup-pipeline status ${name}`);
      return 0;
    }

    const progress = progressPrinter(out as NodeJS.WriteStream, {
      inPlace: (out as NodeJS.WriteStream).isTTY === true,
    });
    let status = 'RUNNING';
    while (status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
      const records = await store.listResources(name);
      const phase = status === 'RUNNING' ? (records.length ? 'Back up each resource' : 'starting') : 'finished';
      progress.show(progressView(records, new Date(), phase, { dryRun: options.dryRun }));
    }
    progress.end();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const run = await store.getRun(name);
    const skipped = run ? skippedView(run) : undefined;
    if (skipped) {
      // Nothing ran: the exit code says so (1), as it does for a run that did not back everything up.
      line(out, `Run ${name} SKIPPED: ${skipped}`);
      return 1;
    }
    const records = await store.listResources(name);
    line(
      out,
      run?.dryRun
        ? dryRunView(run, records)
        : resourceTable(records, { ...(run ? { expiresAt: run.expiresAt } : {}), retryRunId: name }),
    );
    // The execution's cause repeats the failures the table just listed: only its error name and the counts then.
    const listed = described.error === 'BackupsFailed' && records.length > 0;
    line(
      out,
      `Run ${name} ${described.status}${described.error ? `: ${described.error}: ${listed ? countsLine(records) : (described.cause ?? '')}` : ''}`,
    );
    return described.status === 'SUCCEEDED' && records.every((r) => r.status === 'COMPLETED' || r.status === 'SKIPPED')
      ? 0
      : 1;
  } finally {
    sfn.destroy();
    close();
  }
}

/**
 * `start --json` (docs/cli-json.md): the started run, its execution, its console link and the command that
 * follows it; with `--wait` (and for a dry run, always followed) silently to the end, then the run as
 * `status <run> --json` shows it, with the same two additions. Exit codes as the text path's.
 */
async function startJson(
  sfn: SFNClient,
  store: StateStore,
  started: { name: string; executionArn: string },
  options: Pick<StartOptions, 'wait' | 'dryRun' | 'pollSeconds'>,
  out: Out,
): Promise<number> {
  const { name, executionArn } = started;
  const how = { consoleUrl: consoleLink(executionArn), follow: `backup-pipeline status ${name} --json` };
  if (!options.wait && !options.dryRun) {
    line(out, JSON.stringify({ runId: name, executionArn, dryRun: false, ...how }, null, 2));
    return 0;
  }
  const described = await describeWhenEnded(sfn, executionArn, options.pollSeconds);
  const run = await store.getRun(name);
  const records = await store.listResources(name);
  const execution = outcomeOf(described);
  if (!run) {
    // Ended before Plan recorded the run (bad input): the execution's outcome is all there is.
    line(out, JSON.stringify({ runId: name, executionArn, status: execution.status, execution, ...how }, null, 2));
    return 1;
  }
  line(out, JSON.stringify({ ...runJson(name, run, execution, records, showsRetention(run, false)), ...how }, null, 2));
  const allGood = records.every((r) => r.status === 'COMPLETED' || r.status === 'SKIPPED');
  return execution.status === 'SUCCEEDED' && run.status !== 'SKIPPED' && allGood ? 0 : 1;
}

/** A run id is the execution name; an execution ARN ends with it. */
export function runIdOf(idOrArn: string): string {
  return idOrArn.startsWith('arn:') ? (idOrArn.split(':').at(-1) ?? idOrArn) : idOrArn;
}

/** A run and its resources from the state table, or one clear line when the run does not exist. */
export async function loadRun(
  store: StateStore,
  tableName: string,
  idOrArn: string,
): Promise<{ runId: string; run: RunRecord; resources: ResourceRecord[] }> {
  const runId = runIdOf(idOrArn);
  const run = await store.getRun(runId).catch((error: unknown) => {
    throw explainAwsError(error, `table ${tableName}`);
  });
  if (!run)
    throw new CliError(
      // Restores and drills are named restore-<time> and drill-<time> however they start (cli/commands/restore.ts).
      /^(restore|drill)-/.test(runId)
        ? `no run ${runId} in ${tableName}: ${runId} is a restore or drill; follow it with "backup-pipeline restore --watch ${runId}"`
        : `no run ${runId} in ${tableName}: list recent runs with "backup-pipeline runs"`,
    );
  return { runId, run, resources: await store.listResources(runId) };
}

/**
 * How the run's execution ended, or undefined when Step Functions no longer knows it (histories expire
 * 90 days after the execution closes; the sandbox that ran it may be gone): then the record stands.
 */
export async function executionOutcome(
  region: string,
  executionArn: string | undefined,
): Promise<ExecutionOutcome | undefined> {
  if (!executionArn) return undefined;
  const sfn = new SFNClient({ region });
  try {
    return outcomeOf(await sfn.send(new DescribeExecutionCommand({ executionArn })));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw explainAwsError(error, `execution ${executionArn}`);
  } finally {
    sfn.destroy();
  }
}

/**
 * Runs as `runs` and the overview list them: each closed as its execution ended (closedRun), so a run
 * stopped with StopExecution reads ABORTED, not RUNNING for ever. A skipped start has no execution of its own
 * to ask: it ended when it was skipped.
 */
export function closeRuns<T extends ShownRun>(region: string, runs: readonly T[]): Promise<T[]> {
  return Promise.all(
    runs.map(async (run) =>
      run.status === 'SKIPPED' ? run : closedRun(run, await executionOutcome(region, run.executionArn)),
    ),
  );
}

/**
 * The retention of a run whose execution ended during it (no Summarize retention wrote the record):
 * the passes that ran, added up from the state table, marked partial. Undefined when none ran.
 */
async function stoppedRetention(client: DynamoDBClient, target: Target, run: ShownRun) {
  const passes = await new RetentionLedger(DynamoDBDocumentClient.from(client), target.tableName).listPasses(run.runId);
  if (passes.length === 0) return undefined;
  const { retention, decisions } = addUpPasses(passes, run.dryRun, [...new Set(passes.map((p) => p.unit))]);
  return { retention: { ...retention, partial: true }, retentionDecisions: decisions };
}

export async function statusCommand(
  idOrArn: string,
  options: TargetOptions & { json: boolean; retention?: boolean },
  out: Out = process.stdout,
): Promise<number> {
  const target = await resolveTarget(options);
  const { store, client, close } = storeFor(target);
  try {
    const { runId, run: recorded, resources: records } = await loadRun(store, target.tableName, idOrArn);
    const execution = await executionOutcome(target.region, recorded.executionArn);
    let run: ShownRun = closedRun(recorded, execution);
    // Stopped during retention: what its passes deleted is in the table, though no summary was written.
    if (run !== recorded && !run.retention) run = { ...run, ...(await stoppedRetention(client, target, run)) };
    const status = run.status;
    const withRetention = showsRetention(run, options.retention ?? false);
    if (options.json) {
      line(out, JSON.stringify(runJson(runId, run, execution, records, withRetention), null, 2));
    } else {
      line(
        out,
        `Run ${runId} (${run.tier}${run.dryRun ? ', dry run' : ''}): ${status}, started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`,
      );
      if (execution?.error && execution.error !== 'BackupsFailed') {
        // The execution's own failure (retention, the notification, Plan) and the runbook's step for it; a
        // run that failed because backups did lists each below, with its own step.
        line(out, `Execution ${execution.status}: ${execution.error}${execution.cause ? `: ${execution.cause}` : ''}`);
        line(out, `  next: ${nextStep(execution.error, execution.cause ?? '', false, { runId })}`);
      }
      const skipped = skippedView(recorded);
      if (!skipped && records.length > 0) line(out, countsLine(records));
      // Once the run ended, its failures end with the command that retries them.
      const ended = status !== 'RUNNING' && !run.dryRun;
      line(
        out,
        skipped ?? resourceTable(records, { expiresAt: run.expiresAt, ...(ended ? { retryRunId: runId } : {}) }),
      );
      if (withRetention) {
        line(out);
        line(out, retentionView(run));
      }
    }
    // A skipped start is no failure (its execution succeeded; no alarm fires): it reads as such here too.
    return status === 'RUNNING' || status === 'SUCCEEDED' || status === 'SKIPPED' ? 0 : 1;
  } finally {
    close();
  }
}

/** The newest runs, or the AWS error explained against the table the CLI reads. */
function recentRuns(store: StateStore, target: Target, limit: number) {
  return store.listRuns(limit).catch((error: unknown) => {
    throw explainAwsError(error, `table ${target.tableName}`);
  });
}

/**
 * A tier with an RPO whose last run started longer ago than that. One that never ran is measured from the
 * deploy, as the hourly check measures it; when the deploy time is unknown, it counts as overdue.
 */
const overdue = (t: TierFreshness) =>
  t.rpoHours !== undefined && (t.hoursSinceLastRun === undefined || t.hoursSinceLastRun > t.rpoHours);

/**
 * When the pipeline was deployed, as the hourly check reads it (the state table's creation), or undefined
 * when the operator may not describe the table: then a tier that never ran counts as overdue.
 */
async function deployedAt(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  return tableCreatedAt(client, tableName).catch(() => undefined);
}

/**
 * The time ages are measured to: the wall clock, or the newest time a run recorded when that is later.
 * A sandbox's virtual clock runs ahead of the wall clock (hours of snapshot time pass in seconds), so
 * its records are "in the future" of the CLI's clock; measured to the wall clock they read as negative
 * ages. In AWS the records are never ahead and this is the wall clock.
 */
export function referenceTime(
  runs: readonly { startedAt: string; finishedAt?: string | undefined }[],
  wall: Date,
): Date {
  const newest = Math.max(
    wall.getTime(),
    ...runs
      .flatMap((r) => [Date.parse(r.startedAt), r.finishedAt ? Date.parse(r.finishedAt) : Number.NaN])
      .filter(Number.isFinite),
  );
  return new Date(newest);
}

/**
 * A tier's freshness as scripts read it (docs/cli-json.md): `ageHours` is the hours since its last good
 * backup, the name a resource's age has too; `lastRunAgeHours` the hours since its last run started.
 */
export function tierJson(t: TierFreshness) {
  return {
    tier: t.tier,
    rpoHours: t.rpoHours ?? null,
    lastRunAt: t.lastRunAt ?? null,
    lastRunAgeHours: t.hoursSinceLastRun ?? null,
    lastSuccessAt: t.lastSuccessAt ?? null,
    ageHours: t.hoursSince ?? null,
    breached: t.breached,
    overdue: overdue(t),
  };
}

/** An age in hours, never negative (a record a little ahead of the reference time is 0 h old). */
const hours = (h: number) => `${Math.max(0, h).toFixed(1)}h`;

/**
 * `status --rpo`: each tier's last run and last successful run, then each protected resource's age of
 * last good backup against its tier's RPO, worst first (most hours past the RPO, then oldest), read as
 * the hourly check reads them (shared/workflow/freshness/latest-points.ts), so it lists what the alarms count.
 * Exits 1 on what the alarms page on: a run overdue, a resource past its RPO.
 */
export async function rpoCommand(
  options: TargetOptions & { json: boolean; runs: number },
  out: Out = process.stdout,
): Promise<number> {
  const target = await resolveTarget(options);
  const { store, client, close } = storeFor(target);
  try {
    const runs = await store.listRuns(options.runs, FRESHNESS_RUN_FIELDS).catch((error: unknown) => {
      throw explainAwsError(error, `table ${target.tableName}`);
    });
    const now = referenceTime(runs, new Date());
    const tiers = tierFreshness(runs, target.config.tiers, now, await deployedAt(client, target.tableName));
    const { resources } = await readResourceFreshness(store, runs, target.config.tiers, now);
    if (options.json) {
      line(out, JSON.stringify({ tiers: tiers.map(tierJson), resources }, null, 2));
    } else {
      const at = (iso: string | undefined) => (iso?.slice(0, 16).replace('T', ' ') ?? 'never').padEnd(17);
      line(
        out,
        `${'TIER'.padEnd(10)} ${'LAST_RUN'.padEnd(17)} ${'LAST_SUCCESS'.padEnd(17)} ${'AGE'.padStart(8)} ${'RPO'.padStart(6)}`,
      );
      for (const t of tiers) {
        const flags = [overdue(t) ? 'RUN OVERDUE' : '', t.breached ? 'NO SUCCESS WITHIN RPO' : ''].filter(Boolean);
        line(
          out,
          `${t.tier.padEnd(10)} ${at(t.lastRunAt)} ${at(t.lastSuccessAt)} ${(t.hoursSince === undefined ? '-' : hours(t.hoursSince)).padStart(8)} ${(t.rpoHours === undefined ? '-' : `${t.rpoHours}h`).padStart(6)}${flags.length ? `  ${flags.join(', ')}` : ''}`,
        );
      }
      line(out);
      line(
        out,
        `${'RESOURCE'.padEnd(70)} ${'TIER'.padEnd(8)} ${'LAST_GOOD_BACKUP'.padEnd(20)} ${'AGE'.padStart(8)} ${'RPO'.padStart(6)}`,
      );
      for (const r of resources) {
        const last = r.lastBackupAt?.slice(0, 16).replace('T', ' ') ?? 'never';
        line(
          out,
          `${r.arn.padEnd(70)} ${r.tier.padEnd(8)} ${last.padEnd(20)} ${hours(r.ageHours).padStart(8)} ${`${r.rpoHours}h`.padStart(6)}${r.breached ? '  PAST RPO' : ''}`,
        );
      }
    }
    // What the alarms page on: a tier's run overdue, a protected resource past its RPO.
    return tiers.some(overdue) || resources.some((r) => r.breached) ? 1 : 0;
  } finally {
    close();
  }
}

export async function runsCommand(
  options: TargetOptions & { json: boolean; limit: number },
  out: Out = process.stdout,
): Promise<number> {
  const target = await resolveTarget(options);
  const { store, close } = storeFor(target);
  try {
    const runs = await closeRuns(target.region, await recentRuns(store, target, options.limit));
    if (options.json)
      line(
        out,
        JSON.stringify(
          { runs: runs.map(({ input: _input, retentionDecisions: _d, ...run }) => withoutTableAttributes(run)) },
          null,
          2,
        ),
      );
    else line(out, runs.length ? runsTable(runs) : 'No runs yet.');
    return 0;
  } finally {
    close();
  }
}
