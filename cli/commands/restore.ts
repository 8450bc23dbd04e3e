/**
 * `backup-pipeline restore <backup-id | --resource arn|name --latest>` (issue #12): starts an execution
 * of the restore state machine (statemachines/restore.asl.json) exactly as the console or
 * StartExecution would, after validating the input with the workflow's own schema, and with `--wait`
 * follows it to the end from the restore's record: restored ids, recovery time, a drill's clean-up.
 * Exit 0 when the restore succeeded (a drill: restored and cleaned up), 1 when it did not.
 * `--application key=value` restores every resource of an application in waves (issue #19 item 12): with
 * `--wait`, a line per restore as it changes, then the application's summary (./application-summary.ts):
 * recovery time and recovery point; exit 0 only when every restore is AVAILABLE and none was skipped.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PipelineConfig } from '../../shared/config';
import { NameClaimStore } from '../../shared/state/name-claims';
import { type RestoreRecord, withoutTableAttributes } from '../../shared/state/records';
import { RestorePointStore } from '../../shared/state/restore-points';
import { RestoreStore } from '../../shared/state/restore-store';
import { StateStore } from '../../shared/state/store';
import { drillOutcome, restoreOutcome } from '../../shared/workflow/drills/drill-summary';
import { consoleLink } from '../../shared/workflow/notify/notification';
import { restoreSucceeded } from '../../shared/workflow/restore/restore';
import { humanDuration } from '../durations';
import { CliError, explainAwsError, resolveTarget, type TargetOptions } from '../target';
import { applicationSummary, applicationSummaryLines } from './application-summary';
import { resolveResourceName } from './backups';
import { checkRestore, flagProblem, NOT_STARTED } from './restore-checks';
import { describeWhenEnded, outcomeOf } from './run-views';

type Out = NodeJS.WritableStream;
const line = (out: Out, text = '') => out.write(`${text}\n`);

export interface RestoreOptions extends TargetOptions {
  resource?: string;
  latest: boolean;
  restoreRegion?: string;
  /** Where the restore goes in its region (`--placement`): wins over a drill's configured placement. */
  placement?: Record<string, unknown>;
  name?: string;
  drill: boolean;
  /** `--application`: the tags that select an application's resources (instead of a backup id or --resource). */
  application?: Record<string, string>;
  /** `--order`: the application's waves, as lists of types. */
  order?: string[][];
  /** `--tier`: the tier whose protected resources an application is searched among. */
  tier?: string;
  id?: string;
  /** `--watch <id>`: follow a restore or drill already started (by anyone) to its end, as --wait does. */
  watch?: string;
  wait: boolean;
  pollSeconds: number;
  /** One JSON object for scripts (docs/cli-json.md) instead of the text lines. */
  json?: boolean;
}

/**
 * `restore-<UTC time>` (a drill: `drill-<UTC time>`, as `npm start -- --drill` names its drill): a valid
 * execution name, and the restore's id.
 */
export function restoreExecutionName(at: Date, prefix: 'restore' | 'drill' = 'restore'): string {
  return `${prefix}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * The restore state machine's input for the options given. A drill by hand is a drill like the
 * schedule's: it restores into the configuration's isolated placement per region (drills.placement),
 * never beside production; an operator's restore carries only what `--placement` says (else the
 * recorded settings, or in a DR region that region's defaults).
 */
export function restoreInput(
  backupId: string | undefined,
  resource: string | undefined,
  options: Pick<RestoreOptions, 'latest' | 'restoreRegion' | 'name' | 'drill' | 'placement'> &
    Partial<Pick<RestoreOptions, 'application' | 'order' | 'tier'>>,
  config: Pick<PipelineConfig, 'drills'>,
): Record<string, unknown> {
  const placements = options.drill ? (config.drills?.placement ?? {}) : {};
  return {
    ...(backupId ? { backupId } : {}),
    ...(resource ? { resource } : {}),
    // A resource restores from its newest point: `--resource` alone means `--latest`.
    ...(options.latest || resource ? { latest: true } : {}),
    ...(options.application
      ? {
          application: {
            tags: options.application,
            ...(options.tier ? { tier: options.tier } : {}),
            ...(options.order ? { order: options.order } : {}),
          },
        }
      : {}),
    ...(options.restoreRegion ? { region: options.restoreRegion } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.drill ? { drill: true } : {}),
    ...(options.placement ? { placement: options.placement } : {}),
    ...(Object.keys(placements).length > 0 ? { placements } : {}),
  };
}

/** A restore's record as scripts read it (docs/cli-json.md): the record and its outcome (passed/failed/running). */
export function restoreJson(r: RestoreRecord) {
  return { ...withoutTableAttributes(r), outcome: restoreOutcome(r) };
}

/** One line per restore state, for `--wait` and `status`. */
export function restoreLine(r: RestoreRecord): string {
  const took = r.recoverySeconds !== undefined ? `, recovered in ${humanDuration(r.recoverySeconds)}` : '';
  const ids = r.restoredIds?.length ? ` (${r.restoredIds.join(', ')})` : '';
  const cleanup = r.cleanup ? `; clean-up ${r.cleanup.status}` : '';
  const error = r.error ? `: ${r.error.error}: ${r.error.cause}` : '';
  return `${r.drill ? 'Drill' : 'Restore'} ${r.restoreId} ${r.status}: ${r.name}${ids} in ${r.region}${took}${cleanup}${error}`;
}

export async function restoreCommand(backupId: string | undefined, options: RestoreOptions, out: Out = process.stdout) {
  const target = await resolveTarget(options);
  const client = new DynamoDBClient({ region: target.region });
  const doc = DynamoDBDocumentClient.from(client);
  const sfn = new SFNClient({ region: target.region });
  try {
    const restores = new RestoreStore(doc, target.tableName);
    if (options.watch) {
      if (backupId || options.resource || options.application)
        throw new CliError(
          '--watch follows a restore already started: give it no backup id, --resource or --application',
        );
      return await watchRestore(sfn, restores, target.restoreStateMachineArn, options.watch, options, out);
    }
    const flags = flagProblem(backupId, options);
    if (flags) throw new CliError(`${NOT_STARTED}: ${flags}`);
    if (!options.application && (options.order || options.tier))
      throw new CliError(`${NOT_STARTED}: --order and --tier go with --application`);
    const state = new StateStore(doc, target.tableName);
    const resource = options.resource ? await resolveResourceName(state, target, options.resource) : undefined;
    // The recovery stack restores its own region's copies: --to-region is that region unless told otherwise.
    const restoreRegion = options.restoreRegion ?? (target.recovery ? target.region : undefined);
    const input = restoreInput(
      backupId,
      resource,
      { ...options, ...(restoreRegion ? { restoreRegion } : {}) },
      target.config,
    );
    const name = options.id ?? restoreExecutionName(new Date(), options.drill ? 'drill' : 'restore');
    // Planned here as its execution will plan it, the name asked of AWS: a mistake starts nothing.
    await checkRestore(
      input,
      {
        restoreId: name,
        points: new RestorePointStore(doc, target.tableName),
        latestPoints: (tier) => state.listLatestPoints(tier),
        defaultTier: target.config.defaultTier,
        now: new Date(),
      },
      new NameClaimStore(doc, target.tableName),
    ).catch((error: unknown) => {
      throw error instanceof CliError ? error : explainAwsError(error, 'the restore check');
    });
    const started = await sfn
      .send(
        new StartExecutionCommand({
          stateMachineArn: target.restoreStateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name === 'ExecutionAlreadyExists')
          throw new CliError(`a restore named ${name} already exists: pick another --id`);
        throw explainAwsError(error, 'StartExecution (restore)');
      });
    const executionArn = started.executionArn ?? '';
    if (options.json)
      return await restoreJsonCommand(
        sfn,
        new RestoreStore(doc, target.tableName),
        { name, executionArn },
        options,
        out,
      );
    line(out, `Started ${options.drill ? 'restore drill' : 'restore'} ${name}`);
    line(out, `  execution: ${executionArn}`);
    line(out, `  console:   ${consoleLink(executionArn)}`);
    if (!options.wait) {
      line(out, `  follow:    backup-pipeline restore --watch ${name}`);
      return 0;
    }
    if (options.application) return await waitForApplication(sfn, restores, executionArn, name, options, out);
    return await followRestore(sfn, restores, executionArn, name, options, out);
  } finally {
    sfn.destroy();
    client.destroy();
  }
}

/**
 * `restore --json` (docs/cli-json.md): the restore's id, its execution, its console link and the command that
 * follows it; with `--wait`, silently to the end, then how it ended: the execution's status, whether it
 * succeeded (the exit code's rule), each restore's record and, for an application, what Plan skipped and
 * the summary (recovery time and point).
 */
async function restoreJsonCommand(
  sfn: SFNClient,
  restores: RestoreStore,
  started: { name: string; executionArn: string },
  options: Pick<RestoreOptions, 'wait' | 'pollSeconds' | 'drill' | 'application'>,
  out: Out,
): Promise<number> {
  const { name, executionArn } = started;
  const head = {
    restoreId: name,
    executionArn,
    drill: options.drill,
    application: options.application ?? null,
    consoleUrl: consoleLink(executionArn),
    follow: `backup-pipeline restore --watch ${name}`,
  };
  const print = (value: object) => line(out, JSON.stringify(value, null, 2));
  if (!options.wait) {
    print(head);
    return 0;
  }
  const described = await describeWhenEnded(sfn, executionArn, options.pollSeconds);
  const startedAt = described.startDate ?? new Date();
  const status = described.status ?? 'RUNNING';
  const ended = {
    status,
    execution: outcomeOf(described),
  };
  if (options.application) {
    const records = await applicationRecords(restores, name, startedAt);
    const skipped = await skippedByPlan(sfn, executionArn);
    const summary = applicationSummary(records, skipped, records[0]?.startedAt ?? startedAt.toISOString());
    const succeeded = summary.succeeded && status === 'SUCCEEDED';
    print({ ...head, ...ended, succeeded, restores: records.map(restoreJson), skipped, summary });
    return succeeded ? 0 : 1;
  }
  const record = await restores.get(name);
  const succeeded = status === 'SUCCEEDED' && record !== undefined && restoreSucceeded(record);
  print({ ...head, ...ended, succeeded, restores: record ? [restoreJson(record)] : [] });
  return succeeded ? 0 : 1;
}

/** A restore's execution ARN from its machine's and its id (the execution's name). */
export function restoreExecutionArn(restoreStateMachineArn: string, restoreId: string): string {
  return `${restoreStateMachineArn.replace(':stateMachine:', ':execution:')}:${restoreId}`;
}

/**
 * `restore --watch <id>`: a restore, drill or application restore already started (by the CLI, the
 * console or the drill schedule) followed to its end, with `--wait`'s lines and exit code.
 */
async function watchRestore(
  sfn: SFNClient,
  restores: RestoreStore,
  restoreStateMachineArn: string,
  restoreId: string,
  options: Pick<RestoreOptions, 'pollSeconds'>,
  out: Out,
): Promise<number> {
  const executionArn = restoreExecutionArn(restoreStateMachineArn, restoreId);
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch((error: unknown) => {
    if ((error as Error).name === 'ExecutionDoesNotExist')
      throw new CliError(`no restore ${restoreId}: see the latest restores and drills with "backup-pipeline status"`);
    throw explainAwsError(error, `restore ${restoreId}`);
  });
  const input = JSON.parse(described.input ?? '{}') as { application?: unknown; select?: unknown };
  // An application's and a drill schedule's restores are `<id>-<n>`, one record each.
  if (input.application || input.select)
    return waitForApplication(sfn, restores, executionArn, restoreId, options, out);
  return followRestore(sfn, restores, executionArn, restoreId, options, out);
}

/** One restore followed to its end from its record: a line per change, then exit 0 only when it succeeded. */
async function followRestore(
  sfn: SFNClient,
  restores: RestoreStore,
  executionArn: string,
  name: string,
  options: Pick<RestoreOptions, 'pollSeconds'>,
  out: Out,
): Promise<number> {
  let status = 'RUNNING';
  let last = '';
  while (status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
    const record = await restores.get(name);
    const now = record ? restoreLine(record) : '';
    if (now && now !== last) line(out, now);
    last = now;
  }
  const record = await restores.get(name);
  if (!record) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    line(out, `Restore ${name} ${described.status}: ${described.error ?? ''} ${described.cause ?? ''}`.trim());
    return 1;
  }
  const ok = status === 'SUCCEEDED' && restoreSucceeded(record);
  if (restoreLine(record) !== last) line(out, restoreLine(record));
  if (record.cleanup?.status === 'FAILED')
    line(out, `  left behind, delete by hand: ${(record.cleanup.leftovers ?? []).join(', ')}`);
  // A drill's outcome in the one word every view uses (status --rto, the report, npm start -- --drill).
  if (record.drill) line(out, `Drill ${name} ${drillOutcome(ok)}`);
  return ok ? 0 : 1;
}

/** The records of an application's restores (`<name>-<n>`), all started with its execution. */
export async function applicationRecords(
  restores: RestoreStore,
  name: string,
  startedAt: Date,
): Promise<RestoreRecord[]> {
  // Their startedAt is the execution's StartTime: a window of a second around it, then by id.
  const from = new Date(startedAt.getTime() - 1000).toISOString();
  const to = new Date(startedAt.getTime() + 1000).toISOString();
  return (await restores.list(200, { from, to })).filter((r) => r.restoreId.startsWith(`${name}-`));
}

/** What Plan could not restore, from its output in the execution's history. */
export async function skippedByPlan(sfn: SFNClient, executionArn: string): Promise<{ arn: string; reason: string }[]> {
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100 }));
  const planned = history.events?.find((e) => e.stateExitedEventDetails?.name === 'Plan the restores');
  const output = planned?.stateExitedEventDetails?.output;
  const plan = output ? (JSON.parse(output) as { plan?: { skipped?: { arn: string; reason: string }[] } }).plan : {};
  return plan?.skipped ?? [];
}

async function waitForApplication(
  sfn: SFNClient,
  restores: RestoreStore,
  executionArn: string,
  name: string,
  options: Pick<RestoreOptions, 'pollSeconds'>,
  out: Out,
): Promise<number> {
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const startedAt = described.startDate ?? new Date();
  const shown = new Map<string, string>();
  const show = (records: RestoreRecord[]) => {
    for (const record of records) {
      const text = restoreLine(record);
      if (shown.get(record.restoreId) !== text) line(out, text);
      shown.set(record.restoreId, text);
    }
  };
  while (described.status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    show(await applicationRecords(restores, name, startedAt));
  }
  const records = await applicationRecords(restores, name, startedAt);
  show(records);
  const skipped = await skippedByPlan(sfn, executionArn);
  if (records.length === 0 && skipped.length === 0 && described.status !== 'SUCCEEDED') {
    line(out, `Restore ${name} ${described.status}: ${described.error ?? ''} ${described.cause ?? ''}`.trim());
    return 1;
  }
  const summary = applicationSummary(records, skipped, records[0]?.startedAt ?? startedAt.toISOString());
  for (const text of applicationSummaryLines(summary)) line(out, text);
  return summary.succeeded && described.status === 'SUCCEEDED' ? 0 : 1;
}
