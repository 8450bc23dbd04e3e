/**
 * `backup-pipeline local` (what `npm start` runs): boots the sandbox, starts one execution through its
 * Step Functions API exactly as an operator's tools would, follows it with live progress, then prints
 * the per-resource table and the notification that would have been sent. Exit 0 only when every
 * resource succeeded. Every server it starts is stopped on every exit path, Ctrl-C included.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DR_KEY_ALIAS, DR_REGION } from '../../local/estates/fleet';
import { computeFigures } from '../../local/figures';
import { type FleetSpec, type Sandbox, SandboxError, startSandbox } from '../../local/sandbox';
import { typeCountsLabel } from '../../shared/services/catalog';
import type { ResourceRecord, RunRecord } from '../../shared/state/records';
import { drillOutcome } from '../../shared/workflow/drills/drill-summary';
import { restoreSucceeded } from '../../shared/workflow/restore/restore';
import { humanDuration as duration } from '../durations';
import { phaseOf, progressPrinter, progressView } from '../progress';
import { drillTable, runDrill } from './drills';
import { dryRunView } from './dry-run-view';
import { runGameDay } from './game-day';
import { parseCopyTo } from './operate';
import { defaultReportPath, runReportPage, writeReport } from './report';
import { countsLine, resourceJson, resourceTable } from './run-views';

export interface LocalOptions {
  fleet: FleetSpec;
  /** The configured regions (`--regions a,b,c`); the fleet is spread over them. */
  regions?: string[];
  tier?: string;
  dryRun: boolean;
  throttleRate: number;
  failureRate: number;
  crashRate: number;
  /** The account's Lambda concurrency (`--lambda-concurrency`; default AWS's 1,000). */
  lambdaConcurrency?: number;
  timeScale?: number;
  seed: number;
  report?: string;
  /** The HTML run report: a path, true for the default path (backup-report-<run-id>.html), false for none. */
  html?: string | boolean;
  /** Print the whole notification, not only its subject. */
  notification?: boolean;
  endpoint?: string;
  port?: number;
  serve: boolean;
  quiet: boolean;
  /** `region[:kms]` copy targets; empty = the demo's DR copy (demo fleet only); `none` = no copies. */
  copyTo: string[];
  /** After the backup run, a restore drill of each type and mode (restored, checked, timed, deleted). */
  drill?: boolean;
  /** The region-loss game day instead of one run (./game-day.ts). */
  gameDay?: boolean;
}

// The option parsers live in cli/options.ts (the program definition loads them without the sandbox).
export { parseFleet, parseRegions } from '../options';

function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The last lines of `npm start`: where the run's HTML report is (written as `backup-pipeline report`
 * writes it, the drill's restores in it) and what to try next.
 */
async function closing(
  sandbox: Sandbox,
  run: RunRecord | undefined,
  records: readonly ResourceRecord[],
  options: LocalOptions,
  write: (line?: string) => void,
): Promise<void> {
  write();
  // A run that ended at Plan recorded nothing to report.
  if (run && options.html !== false) {
    const path = resolve(typeof options.html === 'string' ? options.html : defaultReportPath(run.runId));
    writeReport(
      path,
      await runReportPage(sandbox.store, sandbox.restores, run, records, sandbox.scheduler.now()),
      '--html',
    );
    write(`Report: ${path} (open it in a browser)`);
  }
  const next = [
    ...(options.drill
      ? []
      : ['npm start -- --drill     then restore each type from these backups: validated, timed, deleted']),
    'npm start -- --serve     keep the sandbox up for the operator CLI: npx backup-pipeline status, report, restore',
    ...(options.failureRate > 0
      ? []
      : ['npm start -- --failure-rate 0.3   some backups and copies fail, each with its next step']),
  ];
  for (const [i, line] of next.entries()) write(`${i === 0 ? 'Try next: ' : '          '}${line}`);
}

/**
 * `--serve`: a line as each execution the sandbox hosts starts and ends, stamped with the sandbox's clock,
 * naming the command that shows it.
 */
function watchExecutions(sandbox: Sandbox, write: (line: string) => void): void {
  sandbox.sfn.onExecution((event, execution) => {
    const kind = execution.stateMachineArn === sandbox.stateMachineArn ? 'backup' : 'restore';
    const stamp = `[${sandbox.scheduler.now().toISOString().slice(11, 19)} sim] execution ${execution.name} (${kind})`;
    if (event === 'started') return write(`${stamp} started`);
    const details = kind === 'backup' ? `npx backup-pipeline status ${execution.name}` : 'npx backup-pipeline status';
    write(`${stamp} ended: ${execution.status}${execution.error ? ` (${execution.error})` : ''}; details: ${details}`);
  });
}

export async function runLocal(options: LocalOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (options.gameDay) {
    // The game day brings its own estate, copies and regions: an option that would change them is refused.
    const conflicting = [
      options.endpoint && '--endpoint',
      options.fleet.kind !== 'demo' && '--fleet',
      options.regions && '--regions',
      options.copyTo.length > 0 && '--copy-to',
      options.drill && '--drill',
      options.dryRun && '--dry-run',
      options.serve && '--serve',
    ].filter(Boolean);
    if (conflicting.length > 0)
      throw new SandboxError(`--game-day runs its own estate and regions: drop ${conflicting.join(', ')}`);
    const { code } = await runGameDay(
      { seed: options.seed, ...(options.timeScale ? { timeScale: options.timeScale } : {}) },
      out,
    );
    return code;
  }
  const write = (line = '') => out.write(`${line}\n`);
  const wallStart = Date.now();
  let sandbox: Sandbox | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    write('\nInterrupted: stopping the sandbox…');
    void (sandbox?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sandbox = await startSandbox({
      fleet: options.endpoint ? { kind: 'none' } : options.fleet,
      faults: {
        throttleRate: options.throttleRate,
        snapshotFailureRate: options.failureRate,
        crashRate: options.crashRate,
      },
      seed: options.seed,
      ...(options.lambdaConcurrency ? { lambdaConcurrency: options.lambdaConcurrency } : {}),
      ...(options.regions ? { regions: options.regions } : {}),
      // The sandbox notifies on success too, so a demo run shows the message an operator would get.
      config: { notifyOnSuccess: true },
      ...(options.timeScale ? { timeScale: options.timeScale } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    const tier = options.tier ?? sandbox.config.defaultTier;
    if (options.serve) {
      write(`Sandbox serving on ${sandbox.endpoint} (state table: dynalite at ${sandbox.stateTableEndpoint}).`);
      write(`State machine: ${sandbox.stateMachineArn}`);
      write('Point the AWS CLI or SDKs at it:');
      for (const [key, value] of Object.entries(sandbox.env)) write(`  export ${key}=${value}`);
      write(
        `Then e.g.: aws stepfunctions start-execution --state-machine-arn ${sandbox.stateMachineArn} --input '{"tier":"${tier}"}'`,
      );
      write("The project's CLI works against it with the same exports:");
      write('  npx backup-pipeline start --wait        back up now and follow the run');
      write(
        '  npx backup-pipeline status              the latest runs, restores and drills; status <run-id> for one run',
      );
      write('  npx backup-pipeline report <run-id>     the run report (HTML)');
      write('Ctrl-C stops it.');
      watchExecutions(sandbox, write);
      await new Promise<void>(() => undefined);
    }

    const sfn = new SFNClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const name = `${tier}-local-${utcStamp(sandbox.scheduler.now())}`;
    // The demo copies to its DR region under the seeded key, so a first run shows the copy branch too.
    const copySpecs =
      options.copyTo.length > 0
        ? options.copyTo.filter((spec) => spec !== 'none')
        : options.fleet.kind === 'demo' && !options.endpoint
          ? [`${DR_REGION}:${DR_KEY_ALIAS}`]
          : [];
    const copyTo = parseCopyTo(copySpecs);
    const input = {
      tier,
      ...(copyTo.length > 0 ? { copyTo } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      reason: 'npm start (local sandbox)',
    };
    const fleet = sandbox.fleet;
    write(
      fleet
        ? `Sandbox up: ${typeCountsLabel(Object.fromEntries(Object.entries(fleet.tagged).map(([type, ids]) => [type, ids.length])))} tagged for backup, ${fleet.untagged.length} other resources${fleet.regions.length > 1 ? `, in ${fleet.regions.join(', ')}` : ''}.`
        : `Sandbox up against ${options.endpoint}: the fleet there is discovered by tags.`,
    );
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    const executionArn = started.executionArn ?? '';
    write(`Started ${executionArn}`);

    const progress = progressPrinter(out as NodeJS.WriteStream, {
      inPlace: (out as NodeJS.WriteStream).isTTY === true && !options.quiet,
    });
    let status = 'RUNNING';
    // Reading a large run's records takes a while and competes with the run itself: the pause between two
    // progress reads is at least three times the last read, so progress costs at most a quarter of the time.
    let pauseMs = 200;
    while (status === 'RUNNING' && !interrupted) {
      await new Promise((r) => setTimeout(r, pauseMs));
      const readStart = Date.now();
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      status = described.status ?? 'RUNNING';
      if (options.quiet) continue;
      const latest = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }),
      );
      const event = latest.events?.[0];
      const stateName = event?.stateEnteredEventDetails?.name ?? event?.stateExitedEventDetails?.name;
      const phase = phaseOf({ ...(event?.type ? { type: event.type } : {}), ...(stateName ? { stateName } : {}) });
      const records = await sandbox.store.listResources(name);
      pauseMs = Math.max(200, 3 * (Date.now() - readStart));
      const now = sandbox.scheduler.now();
      progress.show(
        progressView(records, now, phase, {
          dryRun: options.dryRun,
          clock: `[${now.toISOString().slice(11, 19)} sim]`,
        }),
      );
    }
    progress.end();

    const record = sandbox.sfn.execution(executionArn);
    const result = await record.done;
    const records = await sandbox.store.listResources(name);
    // A run that ended at Plan (bad input, a region it could not list) planned nothing: say so, not an empty table.
    const endedAtPlan = result.status !== 'SUCCEEDED' && records.length === 0;
    const message = sandbox.model?.sns.at(-1);
    const run = await sandbox.store.getRun(name);
    write();
    // The failures are listed once: under the table (each with its next step, then the command that
    // retries them), or by the notification when it is printed whole. A dry run reads as a plan.
    const wholeNotification = Boolean(message && options.notification);
    write(
      endedAtPlan
        ? `Nothing was backed up: the run ended at Plan (${result.error ?? result.status}).`
        : options.dryRun && run
          ? dryRunView(run, records)
          : resourceTable(records, {
              ...(run ? { expiresAt: run.expiresAt } : {}),
              failures: !wholeNotification,
              retryRunId: name,
            }),
    );
    write();
    if (message) {
      write(`Notification (SNS ${message.TopicArn}):`);
      write(`  Subject: ${message.Subject ?? ''}`);
      if (wholeNotification) for (const line of message.Message.split('\n')) write(`  | ${line}`);
      else write('  (the whole message: --notification)');
    } else if (sandbox.model && result.status !== 'SUCCEEDED') {
      write(
        `Notification: none sent: the execution ended ${endedAtPlan ? 'at Plan' : 'before Notify'}; in AWS its failure raises the ExecutionsFailed alarm.`,
      );
    } else if (sandbox.model) {
      write('Notification: none sent (every backup succeeded and notifyOnSuccess is off).');
    } else {
      write(`Notifications go to ${sandbox.topicArn} at the endpoint (subscribe to it to read them).`);
    }
    const figures = computeFigures(result, records, sandbox.model);
    const simulated = (result.stoppedAt.getTime() - result.startedAt.getTime()) / 1000;
    const wallSeconds = (Date.now() - wallStart) / 1000;
    write();
    // The execution's cause repeats the failure list (the console shows it): here, where the failures
    // are already listed above, only its error name.
    const listedAbove = !endedAtPlan && records.some((r) => r.status !== 'COMPLETED' && r.status !== 'SKIPPED');
    const why = result.error
      ? listedAbove
        ? ` (${result.error}: ${countsLine(records)}; failures listed above)`
        : ` (${result.error}: ${result.cause})`
      : '';
    write(
      `Execution ${result.status}${why} — ${duration(simulated)} simulated in ${wallSeconds.toFixed(1)}s; ` +
        `${figures.transitions} state transitions, ${figures.invocations} Lambda invocations, ${figures.pollsPerBackup} polls per backup.`,
    );
    if (result.stats.throttledInvocations > 0)
      write(
        `Lambda refused ${result.stats.throttledInvocations} invocation(s) at its concurrency limit (${options.lambdaConcurrency ?? 1000}); the Tasks retry Lambda.TooManyRequestsException.`,
      );
    if (options.report) {
      // The names status --json gives the same facts (docs/cli-json.md): finishedAt, counts.
      const report = {
        executionArn,
        runId: name,
        tier,
        dryRun: options.dryRun,
        status: result.status,
        error: result.error ?? null,
        cause: result.cause ?? null,
        startedAt: result.startedAt.toISOString(),
        finishedAt: result.stoppedAt.toISOString(),
        counts: run?.counts ?? null,
        simulatedSeconds: simulated,
        wallSeconds,
        resources: records.map(resourceJson),
        figures,
        notification: message ?? null,
      };
      writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
      write(`Report written to ${options.report}`);
    }
    const allGood =
      result.status === 'SUCCEEDED' && records.every((r) => r.status === 'COMPLETED' || r.status === 'SKIPPED');
    if (!options.drill) {
      await closing(sandbox, run, records, options, write);
      return allGood ? 0 : 1;
    }
    write();
    write(
      'Restore drill: as the drill schedule starts it, one resource per type and backup mode, each restored, checked, validated, timed and deleted…',
    );
    const drill = await runDrill(sandbox, sfn, `drill-${utcStamp(sandbox.scheduler.now())}`);
    write(drillTable(drill.records));
    const passed = drill.records.filter(restoreSucceeded).length;
    const nothingLeft = drill.records.every((r) => r.cleanup?.status === 'DELETED');
    const drillPassed = drill.status === 'SUCCEEDED' && drill.records.length > 0 && passed === drill.records.length;
    write(
      `Drill ${drill.name} ${drillOutcome(drillPassed)}: ${passed}/${drill.records.length} restores passed${nothingLeft ? ', nothing left behind' : ''}.`,
    );
    await closing(sandbox, run, records, options, write);
    return allGood && drill.status === 'SUCCEEDED' && drill.records.length > 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await sandbox?.close();
  }
}
