/**
 * `npm start -- --game-day` (issue #19): the region-loss game day, end to end, in the sandbox. The demo
 * estate and the `app=shop` application (local/estates/game-day.ts: custom DB parameter and option
 * groups, no default VPC) are backed up with copies to the DR region under its customer-managed key;
 * then the home region is lost (the sandbox refuses every call to it); then, from the DR region alone,
 * `backup-pipeline restore --application app=shop` runs on the recovery stack there (the restore state
 * machine, its Lambdas and the state table's replica) and brings the application back wave by wave,
 * each restore validated and timed, with the application's recovery time and recovery point. What the
 * DR region cannot restore is named with why. Exit 0 when every resource with a DR copy came back and
 * nothing reached the lost region.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DR_KEY_ALIAS, DR_REGION } from '../../local/estates/fleet';
import { GAME_DAY_APPLICATION, GAME_DAY_PLACEMENT } from '../../local/estates/game-day';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import type { RestoreRecord } from '../../shared/state/records';
import { RestoreStore } from '../../shared/state/restore-store';
import type { SkippedTarget } from '../../shared/workflow/drills/drill-selection';
import { restoreSucceeded } from '../../shared/workflow/restore/restore';
import { humanDuration } from '../durations';
import { applicationSummary } from './application-summary';
import { applicationRecords, restoreCommand, restoreExecutionName, skippedByPlan } from './restore';

export interface GameDayOptions {
  seed: number;
  timeScale?: number;
  /** The home region lost (default eu-west-1, the sandbox's). */
  home?: string;
  /** The region recovered in (default the demo's DR region). */
  dr?: string;
}

export interface GameDayResult {
  code: number;
  backupStatus: string;
  /** The application's restores, as recorded in the DR region's replica of the state table. */
  restores: RestoreRecord[];
  /** Resources of the application the DR region could not restore, with why. */
  notRecoverable: SkippedTarget[];
  /** From the restore's start to the application's last restore available (simulated seconds). */
  recoveryTimeSeconds: number | undefined;
  /** The age of the oldest data restored, at the restore's start (simulated seconds). */
  recoveryPointSeconds: number | undefined;
  /** Requests that went to the lost region after it was lost, besides the probe showing it is gone. */
  callsToLostRegion: number;
  wallSeconds: number;
}

const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** The backup run before the day: the daily tier with copies to the DR region under its key. */
async function backUp(sandbox: Sandbox, dr: string, write: (line?: string) => void): Promise<string> {
  const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: sandbox.region });
  try {
    const name = `daily-game-day-${stamp(sandbox.scheduler.now())}`;
    const input = { tier: 'daily', copyTo: [{ region: dr, kmsKeyId: DR_KEY_ALIAS }], reason: 'game day: before' };
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    const result = await sandbox.sfn.execution(started.executionArn ?? '').done;
    const records = await sandbox.store.listResources(name);
    const copied = records.filter((r) => r.copies?.some((c) => c.region === dr && c.status === 'COMPLETED')).length;
    const backedUp = records.filter((r) => r.status === 'COMPLETED').length;
    write(
      `  ${name} ${result.status}: ${backedUp} backed up in ${sandbox.region}, ${copied} copied to ${dr} under ${DR_KEY_ALIAS}.`,
    );
    return result.status;
  } finally {
    sfn.destroy();
  }
}

/** Shows the region is gone the way an operator would find out: a call to it gets no answer. */
async function probe(region: string): Promise<string> {
  const sts = new STSClient({ region, maxAttempts: 1 });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return 'it still answers';
  } catch (error) {
    return `STS GetCallerIdentity there: ${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    sts.destroy();
  }
}

/** Every line of the CLI's output indented under the game day's step. */
function indented(out: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write: (chunk: string) =>
      out.write(
        chunk
          .split('\n')
          .map((l) => (l ? `  ${l}` : l))
          .join('\n'),
      ),
  } as NodeJS.WritableStream;
}

/** The application's restores as the DR region records them (its replica of the state table). */
async function applicationOutcome(sandbox: Sandbox, dr: string, name: string) {
  const client = { endpoint: sandbox.endpoint, region: dr };
  const ddb = new DynamoDBClient(client);
  const sfn = new SFNClient(client);
  try {
    const machine = sandbox.recovery[dr]?.restoreStateMachineArn ?? '';
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const startedAt = described.startDate ?? new Date();
    const restores = await applicationRecords(
      new RestoreStore(DynamoDBDocumentClient.from(ddb), sandbox.tableName),
      name,
      startedAt,
    );
    const skipped = await skippedByPlan(sfn, executionArn);
    const summary = applicationSummary(restores, skipped, restores[0]?.startedAt ?? startedAt.toISOString());
    return {
      restores,
      notRecoverable: skipped,
      allPassed: restores.every(restoreSucceeded),
      recoveryTimeSeconds: summary.recoverySeconds,
      recoveryPointSeconds: summary.recoveryPoint?.ageSeconds,
    };
  } finally {
    ddb.destroy();
    sfn.destroy();
  }
}

export async function runGameDay(
  options: GameDayOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<GameDayResult> {
  const write = (line = '') => out.write(`${line}\n`);
  const wallStart = Date.now();
  const home = options.home ?? 'eu-west-1';
  const dr = options.dr ?? DR_REGION;
  const sandbox = await startSandbox({
    region: home,
    fleet: { kind: 'game-day' },
    seed: options.seed,
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
    config: { notifyOnSuccess: true, recovery: { homeRegion: home, regions: [dr] } },
  });
  try {
    const app = Object.entries(GAME_DAY_APPLICATION)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    write(`Game day: ${home} is lost; the application ${app} is restored in ${dr} from its copies alone.`);
    write();
    write(`1. Before: the estate is backed up, with copies to ${dr} (no default VPC in either region).`);
    const backupStatus = await backUp(sandbox, dr, write);
    write();
    write(`2. ${home} is lost: from now on every call to it gets no answer.`);
    sandbox.loseRegion(home);
    write(`  ${await probe(home)}`);
    const probeCalls = sandbox.lostRegionCalls()[home] ?? 0;
    write();
    write(`3. From ${dr} alone, on the recovery stack there (restore machine, Lambdas, state table replica):`);
    // What an operator types, through the CLI's own command: a drill of the application, so each restore
    // is validated and timed, and what it made is deleted after (a rehearsal leaves nothing behind).
    const name = `game-day-${restoreExecutionName(sandbox.scheduler.now())}`;
    const placement = JSON.stringify(GAME_DAY_PLACEMENT);
    write(`  $ backup-pipeline restore --application ${app} --region ${dr} --drill --placement '${placement}' --wait`);
    const code = await restoreCommand(
      undefined,
      {
        application: { ...GAME_DAY_APPLICATION },
        region: dr,
        placement: GAME_DAY_PLACEMENT,
        drill: true,
        latest: false,
        id: name,
        wait: true,
        pollSeconds: 0.2,
      },
      indented(out),
    );
    const restored = await applicationOutcome(sandbox, dr, name);
    const callsToLostRegion = (sandbox.lostRegionCalls()[home] ?? 0) - probeCalls;
    write();
    const recovered = restored.restores.filter((r) => r.availableAt !== undefined).length;
    // Passed: the application came back from the DR region alone, validated and cleaned up, and what
    // cannot come back there is named (the restore's own exit code counts those as not restored).
    const passed =
      backupStatus === 'SUCCEEDED' &&
      callsToLostRegion === 0 &&
      restored.restores.length > 0 &&
      restored.allPassed &&
      (code === 0 || restored.notRecoverable.length > 0);
    write(
      `Game day ${passed ? 'passed' : 'failed'}: ${recovered}/${restored.restores.length} restored in ${dr}` +
        (restored.recoveryTimeSeconds !== undefined
          ? `, recovery time ${humanDuration(restored.recoveryTimeSeconds)}`
          : '') +
        (restored.recoveryPointSeconds !== undefined
          ? `, recovery point ${humanDuration(restored.recoveryPointSeconds)}`
          : '') +
        `; ${callsToLostRegion} call(s) reached ${home} after it was lost.`,
    );
    return {
      code: passed ? 0 : 1,
      backupStatus,
      restores: restored.restores,
      notRecoverable: restored.notRecoverable,
      recoveryTimeSeconds: restored.recoveryTimeSeconds,
      recoveryPointSeconds: restored.recoveryPointSeconds,
      callsToLostRegion,
      wallSeconds: (Date.now() - wallStart) / 1000,
    };
  } finally {
    await sandbox.close();
  }
}
