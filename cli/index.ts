#!/usr/bin/env node
/**
 * The operator CLI, `backup-pipeline`: `start`, `status`, `runs`, `backups`, `restore`, `report` against a deployed pipeline
 * (found by stack outputs, flags or BACKUP_PIPELINE_* variables) or the sandbox, and `local` (the
 * sandbox itself; `npm start` runs it).
 * Built on commander; every command has --help; a usage or environment problem is one line on stderr
 * and a non-zero exit, never a stack trace.
 */
import '../local/process-defaults';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SandboxError } from '../local/sandbox-error';
import { defaultRestoreWaves } from '../shared/services/catalog';
import { FRESHNESS_RUNS } from '../shared/workflow/freshness/latest-points';
import { CliError } from './errors';
import {
  parseApplicationTags,
  parseFleet,
  parseOrder,
  parsePlacement,
  parseRegions,
  RECENT_RESTORE_DAYS,
  statusFlags,
} from './options';

/**
 * Each command's module loads when its command runs: the AWS SDK clients and the sandbox are most of a
 * start, and `--help`, a bad option or one command needs none of the others' (issue #13: a start in
 * well under a second).
 */
const load = {
  local: () => require('./commands/local') as typeof import('./commands/local'),
  operate: () => require('./commands/operate') as typeof import('./commands/operate'),
  overview: () => require('./commands/overview') as typeof import('./commands/overview'),
  backups: () => require('./commands/backups') as typeof import('./commands/backups'),
  restore: () => require('./commands/restore') as typeof import('./commands/restore'),
  report: () => require('./commands/report') as typeof import('./commands/report'),
  rto: () => require('./commands/rto') as typeof import('./commands/rto'),
};

const rate = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
/** A count (`runs --limit`, `status --rpo --runs`): a whole number, refused here rather than by the table's API. */
const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
};
const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
};
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return n;
};
const regionList = (value: string) => {
  try {
    return parseRegions(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const placement = (value: string) => {
  try {
    return parsePlacement(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const applicationTags = (value: string) => {
  try {
    return parseApplicationTags(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const fleet = (value: string) => {
  try {
    return parseFleet(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

/**
 * `npm start --dry-run` without `--`: npm takes the flag for itself and runs the script without it,
 * setting npm_config_dry_run. What was meant is a dry run, never a real one: said, and done.
 */
function npmDryRun<T extends { dryRun: boolean }>(opts: T): T {
  if (opts.dryRun || process.env.npm_config_dry_run !== 'true') return opts;
  process.stderr.write(
    'backup-pipeline: npm took --dry-run for itself (npm start --dry-run): running a dry run; pass flags after -- (npm start -- --dry-run)\n',
  );
  return { ...opts, dryRun: true };
}

/** The package's version (package.json beside cli/ and dist/ alike), as CHANGELOG.md releases it. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('backup-pipeline')
    .description('Serverless backup orchestrator for AWS: run it locally, start and inspect runs.')
    .version(packageVersion(), '-V, --version', 'the released version (CHANGELOG.md)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('local')
    .description('Run the whole workflow locally against the sandbox (no AWS account needed)')
    .addOption(
      new Option('--fleet <spec>', 'demo, none, N or N:MIN-MAX seconds of snapshot time')
        .default(parseFleet('demo'), 'demo')
        .argParser(fleet),
    )
    .addOption(
      new Option(
        '--regions <list>',
        'comma-separated regions to discover and clean up in (the fleet is spread over them); default: the sandbox region',
      ).argParser(regionList),
    )
    .option('--tier <name>', 'tier to run (default: the configured default tier)')
    .option(
      '--dry-run',
      'print the plan: what would be backed up and copied where, and what retention would delete; create and delete nothing',
      false,
    )
    .addOption(new Option('--throttle-rate <r>', 'fraction of AWS calls throttled').default(0).argParser(rate))
    .addOption(new Option('--failure-rate <r>', 'fraction of snapshots that fail part-way').default(0).argParser(rate))
    .addOption(
      new Option('--crash-rate <r>', 'fraction of Create calls after which the handler crashes')
        .default(0)
        .argParser(rate),
    )
    .addOption(
      new Option(
        '--lambda-concurrency <n>',
        "the account's Lambda concurrency: invocations past it are refused (TooManyRequestsException)",
      )
        .default(1000, "1000: AWS's default per account and region")
        .argParser(positive),
    )
    .addOption(
      new Option('--time-scale <n>', 'pace simulated time at most n x real time; 0 = as fast as possible')
        .default(3600, '3600: one simulated hour per second')
        .argParser(nonNegative),
    )
    .addOption(new Option('--seed <n>', 'seed for the fleet and faults').default(42).argParser(positive))
    .option('--report <file>', 'write a machine-readable JSON report')
    .option(
      '--html [file]',
      "write the run's HTML report (as `backup-pipeline report` does); default backup-report-<run-id>.html here",
    )
    .option('--no-html', 'write no HTML report')
    .option('--notification', 'print the whole notification the run sent (default: its subject)', false)
    .option('--endpoint <url>', 'use an AWS-compatible endpoint (e.g. LocalStack) instead of the built-in emulator')
    .addOption(new Option('--port <n>', 'port for the sandbox endpoint (default: a free one)').argParser(port))
    .option('--serve', 'keep the sandbox serving for the AWS CLI / SDKs instead of running once', false)
    .option('--quiet', 'no live progress lines', false)
    .option('--drill', 'after the backup run, drill a restore of each type: restored, checked, timed, deleted', false)
    .option(
      '--game-day',
      'the region-loss game day: back up with DR copies, lose the home region, restore the app=shop application from the DR region alone',
      false,
    )
    .option(
      '--copy-to <region[:kms]>',
      'copy every backup to this region (repeatable); the demo copies to us-west-2:alias/backup-dr unless told none',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (opts) => {
      process.exitCode = await load.local().runLocal(npmDryRun(opts));
    });
  const collect = (value: string, previous: string[]) => [...previous, value];
  const withTarget = (command: Command) =>
    command
      .option('--stack <name>', 'stack whose outputs name the state machine and table (default: cdk.json stackName)')
      .option('--state-machine-arn <arn>', 'state machine (or BACKUP_PIPELINE_STATE_MACHINE_ARN)')
      .option('--table <name>', 'state table (or BACKUP_PIPELINE_TABLE)')
      .option('--region <region>', 'AWS region (or AWS_REGION)');

  withTarget(
    program
      .command('start')
      .description('Start a backup run now (validated like Plan before anything is sent)')
      .option('--tier <name>', 'tier (retention); default: the configured default tier')
      .option(
        '--resource <arn|name>',
        'back up this resource: its ARN, or its name as the tables show it (orders, vol-0abc...) (repeatable)',
        collect,
        [],
      )
      .option(
        '--retry-failed <run>',
        "back up again only the FAILED resources of this run (run id or execution ARN), in the run's tier",
      )
      .option('--tag <key=value>', 'back up resources with this tag (repeatable; all must match)', collect, [])
      .option('--copy-to <region[:kms]>', 'copy to this region (repeatable)', collect, [])
      .option(
        '--dry-run',
        'plan, print what would be backed up and copied and what retention would delete (waits for it); create and delete nothing',
        false,
      )
      .option('--reason <text>', 'why this run exists (kept on the run record)')
      .addOption(new Option('--retention-days <n>', 'keep these backups this many days').argParser((v) => Number(v)))
      .option(
        '--name <name>',
        'execution name (default: <tier>-<UTC time>; with --retry-failed <tier>-retry-<UTC time>)',
      )
      .option('--wait', 'follow the run with a progress bar; exit 0 only when every resource succeeded', false)
      .addOption(new Option('--poll-seconds <n>', 'how often --wait refreshes').default(5).argParser(positive))
      .option(
        '--json',
        'one JSON object: the run id, execution, console link and how to follow it (with --wait: the run, as status --json shows it)',
        false,
      ),
  ).action(async (opts) => {
    process.exitCode = await load.operate().startCommand(opts);
  });

  withTarget(
    program
      .command('status')
      .description(
        `Show one run (every resource: status, backup ids, polls, duration, error); without one, the latest runs and the restores and drills of the last ${RECENT_RESTORE_DAYS} days; with --rpo the age of each last good backup against its tier RPO`,
      )
      .argument('[run]', 'run id (the execution name) or execution ARN; without it, the overview')
      .addOption(
        new Option(
          '--rpo',
          'recovery-point view: tiers, then protected resources worst first, against their RPO (exit 1 on a breach)',
        )
          .default(false)
          .conflicts('rto'),
      )
      .addOption(
        new Option('--runs <n>', 'with --rpo: how many recent runs to list (as the hourly check does)')
          .default(FRESHNESS_RUNS)
          .argParser(count),
      )
      .option(
        '--rto',
        "restore view: each type's last drill and recovery time, the last that passed, the latest restores (exit 1 when a type's last drill failed)",
        false,
      )
      .option(
        '--retention',
        "with a run: list retention's delete/keep decision for every backup and the rule behind it (always shown for a dry run)",
        false,
      )
      .option('--json', 'machine-readable output', false),
  ).action(async (run: string | undefined, opts, command: Command) => {
    statusFlags(run, { ...opts, runsGiven: command.getOptionValueSource('runs') === 'cli' });
    if (opts.rto) process.exitCode = await load.rto().rtoCommand(opts);
    else if (opts.rpo) process.exitCode = await load.operate().rpoCommand(opts);
    else if (run) process.exitCode = await load.operate().statusCommand(run, opts);
    else process.exitCode = await load.overview().overviewCommand(opts);
  });

  withTarget(
    program
      .command('runs')
      .description('List recent runs with their counts')
      .option('--json', 'machine-readable output', false)
      .addOption(new Option('--limit <n>', 'how many runs').default(20).argParser(count)),
  ).action(async (opts) => {
    process.exitCode = await load.operate().runsCommand(opts);
  });

  withTarget(
    program
      .command('backups')
      .description(
        "List a resource's restore points across tiers and regions, newest first: time, tier, status, size, expiry, then each region's backup ids, whole (a copy on its own row)",
      )
      .argument('<resource>', 'resource ARN, or its short name as status shows it (orders, vol-0abc...)')
      .option('--wide', "add each point's run", false)
      .option('--json', 'machine-readable output', false),
  ).action(async (resource: string, opts) => {
    process.exitCode = await load.backups().backupsCommand(resource, opts);
  });

  withTarget(
    program
      .command('restore')
      .description(
        "Restore a backup (by its id, or a resource's latest) through the restore state machine: restored under a new name, never over an existing resource",
      )
      .argument(
        '[backup-id]',
        'a backup id from "backup-pipeline backups": it restores in the region listed there (an RDS/Aurora copy keeps its original\'s id: --to-region for the copy)',
      )
      .option(
        '--resource <arn|name>',
        "restore this resource's backup (with --latest): its ARN or its name as the tables show it",
      )
      .option('--latest', 'the newest restore point of --resource', false)
      .option('--to-region <region>', "restore in this region: the source's (default) or one holding a copy")
      .addOption(
        new Option(
          '--placement <json>',
          "where it goes in that region, as JSON: subnetId, securityGroupIds, dbSubnetGroupName, availabilityZone, dbParameterGroupName, dbClusterParameterGroupName, optionGroupName (outside the source's region the recorded ones do not exist)",
        ).argParser(placement),
      )
      .option(
        '--name <name>',
        'name of the restored resource (default: <source>-restored-<time>); a name in use is refused',
      )
      .option('--drill', 'a restore drill: restored, checked, timed, and always deleted', false)
      .addOption(
        new Option(
          '--application <key=value,...>',
          'restore an application: every resource whose tags recorded at backup carry all of these, from its newest backup restorable in --to-region, in waves (databases first); nothing is deleted afterwards',
        ).argParser(applicationTags),
      )
      .addOption(
        new Option(
          '--order <waves>',
          `with --application, the waves: types, "," within a wave and "/" between waves (default ${defaultRestoreWaves()
            .map((wave) => wave.join(','))
            .join('/')}); a type left out restores in a last wave`,
        ).argParser(parseOrder),
      )
      .option(
        '--tier <name>',
        'with --application, the tier whose protected resources are searched (default: the default tier)',
      )
      .option('--id <restore-id>', "the restore's id and execution name (default: restore-<UTC time>)")
      .option(
        '--watch <restore-id>',
        'follow a restore or drill already started (by the CLI, the console or the drill schedule) to its end, as --wait does',
      )
      .option(
        '--wait',
        'follow the restore to the end; exit 0 only when it succeeded (an application: every restore AVAILABLE and none of its resources left unrestored; it then prints its recovery time and recovery point)',
        false,
      )
      .addOption(new Option('--poll-seconds <n>', 'how often --wait refreshes').default(5).argParser(positive))
      .option(
        '--json',
        "one JSON object: the restore id, execution, console link and how to follow it (with --wait: how it ended, each restore's record)",
        false,
      ),
  ).action(async (backupId: string | undefined, opts) => {
    process.exitCode = await load.restore().restoreCommand(backupId, { ...opts, restoreRegion: opts.toRegion });
  });

  withTarget(
    program
      .command('report')
      .description(
        "Write a self-contained HTML report of one run: timeline per resource (polls marked), counts, failures, the restores and drills from its start to its tier's next run, estimated snapshot storage cost",
      )
      .argument('<run>', 'run id (the execution name) or execution ARN')
      .option('--out <file>', 'where to write it (default: backup-report-<run-id>.html in the current directory)'),
  ).action(async (run: string, opts) => {
    process.exitCode = await load.report().reportCommand(run, opts);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof SandboxError || error instanceof CliError) {
      process.stderr.write(`backup-pipeline: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`backup-pipeline: ${(error as Error).message}\n`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr have handed over what they hold. On a pipe Node writes asynchronously,
 * and `process.exit` drops what is still queued: `status <run> --json | jq` got the first 64 KiB (a
 * pipe's buffer) and broke. An empty write's callback runs after every write queued before it.
 */
export function exitWhenFlushed(code: number): void {
  let open = 2;
  const flushed = () => {
    open -= 1;
    if (open === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

if (require.main === module) {
  main(process.argv).then(exitWhenFlushed);
}
