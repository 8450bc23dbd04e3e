/**
 * The local sandbox (DESIGN §8): dynalite for the state table, the AWS emulator for EC2/RDS/SNS and
 * the Step Functions API, a seeded fleet, and the virtual clock, all on 127.0.0.1. It sets the same
 * environment the Lambdas get in AWS plus AWS_ENDPOINT_URL*, so the handlers run unchanged.
 * With `endpoint`, it targets an AWS-compatible endpoint (LocalStack and the like) instead: nothing is
 * seeded, the fleet there is discovered by tags, and the state table, the notification topic and the
 * exports' bucket are created there if missing. Either way the account is the endpoint's (STS).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backupBucketLifecycle } from '../shared/backup-bucket-lifecycle';
import { useClock } from '../shared/clock';
import { configuredRegions, type PipelineConfig, parsePipelineConfig, recoveryStackConfig } from '../shared/config';
import { DEPLOYED_SDK_MAX_ATTEMPTS, type FunctionName, functionEnvironments } from '../shared/lambda/function-env';
import {
  backupStateMachineName,
  recoveryBucketName,
  recoveryStackName,
  restoreStateMachineName,
} from '../shared/names';
import { creatingClients } from '../shared/services';
import { RestorePointStore } from '../shared/state/restore-points';
import { RestoreStore } from '../shared/state/restore-store';
import { StateStore } from '../shared/state/store';
import { type EmulatedStack, registerAwsServices, registerStacks } from './emulator';
import { type EmulatorServer, startEmulatorServer } from './emulator/server';
import {
  regionalStepFunctions,
  registerBackupStateMachine,
  registerRestoreStateMachine,
  StepFunctionsService,
} from './emulator/sfn';
import { demoDrillValidator } from './estates/drill-validator';
import { type FleetSummary, seedDemoFleet, seedGeneratedFleet, seedRegionalDemo } from './estates/fleet';
import { seedGameDayEstate } from './estates/game-day';
import { HANDLERS, type LocalHandler } from './handlers';
import { AwsModel, DEFAULT_ENABLED_REGIONS, type Faults, type Limits, seededRandom } from './model';
import { ensureRunResources } from './run-resources';
import { SandboxError } from './sandbox-error';
import {
  ensureStateTable,
  type LocalStateTable,
  STATE_TABLE_NOT_THERE,
  STATE_TABLE_SIGNING_NAME,
  startDynalite,
  stateTableClient,
} from './state-table';
import { VirtualScheduler } from './virtual-time';

/** The account the built-in emulator plays unless told otherwise; the runner asks STS, never assumes it. */
export const DEFAULT_EMULATED_ACCOUNT = '111122223333';
export const SANDBOX_TABLE = 'backup-pipeline-state';
/** The stack's backup bucket as the sandbox names it (DynamoDB exports are written "there"). */
export const SANDBOX_BUCKET = 'backup-pipeline-backups-local';

export type FleetSpec =
  | { kind: 'demo' }
  /** The demo fleet plus the game day's application in an account without default VPCs (game-day-estate.ts). */
  | { kind: 'game-day' }
  | { kind: 'none' }
  | {
      kind: 'generated';
      size: number;
      minSeconds: number;
      maxSeconds: number;
      /** Regions to spread the fleet over; they become the configured `regions` too (SandboxOptions.regions). */
      regions?: string[];
    };

export interface SandboxOptions {
  /** The home (deployment) region: where the Lambdas and the state machine "run". */
  region?: string;
  /**
   * The configured `regions` (tag discovery and retention in each): set in the Lambdas' environment,
   * enabled in the account's model, and the fleet is spread over them (the demo adds a small tagged
   * estate in each other region). Default: a generated fleet's `regions`, else cdk.json's (null: home).
   */
  regions?: string[];
  port?: number;
  fleet?: FleetSpec;
  faults?: Partial<Faults> & { crashRate?: number };
  /** AWS limits to model (defaults: AWS's, DESIGN §9); lowered in tests to reach them quickly. */
  limits?: Partial<Limits>;
  /** The account's Lambda concurrency (default AWS's 1,000): invocations past it are refused (local/runner.ts). */
  lambdaConcurrency?: number;
  /** Token-bucket throttling of the emulated APIs (default on, as in AWS). */
  tokenBuckets?: boolean;
  seed?: number;
  /** Pace virtual time to at most this many times real time (undefined: as fast as possible). */
  timeScale?: number;
  /** Run against an AWS-compatible endpoint instead of the built-in emulator. */
  endpoint?: string;
  /** The account the built-in emulator plays (default DEFAULT_EMULATED_ACCOUNT); ignored with `endpoint`. */
  accountId?: string;
  /**
   * Let the emulated estate run on the wall clock instead of the virtual one: what an external
   * endpoint looks like to another sandbox pointed at it with `endpoint`.
   */
  realTimeEstate?: boolean;
  /**
   * The handler behind each Task (default: the source handlers, local/handlers.ts); the artifact
   * scenario passes the deployed bundles (local/artifact.ts).
   */
  handlers?: Record<FunctionName, LocalHandler>;
  /** cdk.json context overrides (validated like cdk.json). */
  config?: Record<string, unknown>;
  projectRoot?: string;
}

export interface Sandbox {
  endpoint: string;
  stateTableEndpoint: string;
  region: string;
  /** The account the endpoint answered STS GetCallerIdentity with. */
  accountId: string;
  stateMachineArn: string;
  /** The restore workflow (statemachines/restore.asl.json), registered beside the backup one. */
  restoreStateMachineArn: string;
  tableName: string;
  /** The notification topic and the exports' bucket, found or created at the endpoint. */
  topicArn: string;
  bucketName: string;
  config: PipelineConfig;
  model: AwsModel | undefined;
  fleet: FleetSummary | undefined;
  scheduler: VirtualScheduler;
  sfn: StepFunctionsService;
  store: StateStore;
  /** The restore points the runs recorded (shared/state/restore-points.ts). */
  points: RestorePointStore;
  /** The restores and drills (shared/state/restore-store.ts). */
  restores: RestoreStore;
  /**
   * The state table's requests by operation (`dynamodb:PutItem` ...), counted as they pass to dynalite;
   * empty with an outside --endpoint (they do not pass through the sandbox then).
   */
  stateTableCalls(): Record<string, number>;
  /** The variables a shell needs to point the AWS CLI or SDKs at the sandbox. */
  env: Record<string, string>;
  /**
   * With `recovery` configured, each recovery region's restore-only stack (infra/stacks/recovery-stack.ts):
   * its restore state machine, topic and the bucket DynamoDB exports are copied into.
   */
  recovery: Record<string, { restoreStateMachineArn: string; topicArn: string; bucketName: string }>;
  /**
   * Loses a region (the region-loss game day): from now on every call to it, by the handlers, the CLI or
   * a test, gets no answer (docs/aws-behaviour.md, Recovery region).
   */
  loseRegion(region: string): void;
  /** Calls made to a lost region since it was lost (each refused), by region. */
  lostRegionCalls(): Record<string, number>;
  close(): Promise<void>;
}

export function readCdkConfig(projectRoot: string, overrides: Record<string, unknown> = {}): PipelineConfig {
  const cdk = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as {
    context?: { backupPipeline?: Record<string, unknown> };
  };
  return parsePipelineConfig({ ...(cdk.context?.backupPipeline ?? {}), ...overrides });
}

export { SandboxError };

async function assertReachable(endpoint: string): Promise<void> {
  try {
    await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(3000) });
  } catch (error) {
    throw new SandboxError(
      `cannot reach --endpoint ${endpoint} (${(error as Error).cause ? String((error as { cause: Error }).cause.message ?? '') : (error as Error).message}); start it or check the URL`,
    );
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const region = options.region ?? 'eu-west-1';
  const projectRoot = options.projectRoot ?? join(__dirname, '..');
  const spec = options.fleet ?? { kind: 'demo' };
  const regions = options.regions ?? (spec.kind === 'generated' ? spec.regions : undefined);
  let config = readCdkConfig(projectRoot, { ...options.config, ...(regions ? { regions } : {}) });
  // Against an external endpoint the estate lives on the wall clock, so the workflow's waits must too.
  const scheduler = options.endpoint
    ? new VirtualScheduler(new Date(), 1)
    : new VirtualScheduler(undefined, options.timeScale || undefined);
  const restoreClock = useClock(scheduler);
  const cleanups: (() => Promise<void> | void)[] = [restoreClock, () => scheduler.stop()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    let model: AwsModel | undefined;
    let fleet: FleetSummary | undefined;
    let stateTable: LocalStateTable | undefined;
    if (options.endpoint) await assertReachable(options.endpoint);
    else {
      stateTable = await startDynalite();
      cleanups.push(() => stateTable?.close());
    }

    let server: EmulatorServer;
    try {
      server = await startEmulatorServer({ port: options.port, defaultRegion: region, now: () => scheduler.now() });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new SandboxError(`port ${options.port} is in use; pick another with --port or omit it for a free one`);
      }
      throw error;
    }
    cleanups.push(() => server.close());

    const random = seededRandom(options.seed ?? 42);
    if (!options.endpoint) {
      model = new AwsModel({
        clock: options.realTimeEstate ? { now: () => new Date() } : scheduler,
        ...(options.realTimeEstate ? {} : { tokenClock: scheduler.tokenClock }),
        random,
        accountId: options.accountId ?? DEFAULT_EMULATED_ACCOUNT,
        faults: options.faults,
        limits: options.limits,
        tokenBuckets: options.tokenBuckets ?? true,
        // An operator who configures a region has enabled it (opt-in regions included).
        enabledRegions: [...new Set([...DEFAULT_ENABLED_REGIONS, ...(config.regions ?? [])])],
      });
      registerAwsServices(server, model);
      // A drill's validation with a real Invoke: the sandbox's stand-in when the configuration names none.
      if (config.drills && !config.drills.validationFunctionArn) {
        const validator = (where: string) =>
          model?.addFunction(where, `${config.stackName}-drill-validator`, demoDrillValidator) ?? '';
        config = {
          ...config,
          drills: { ...config.drills, validationFunctionArn: validator(region) },
          // Each recovery region's own, as its stack's drills invoke (the home one is gone with its region).
          ...(config.recovery
            ? {
                recovery: {
                  ...config.recovery,
                  validationFunctionArns: Object.fromEntries(config.recovery.regions.map((r) => [r, validator(r)])),
                },
              }
            : {}),
        };
      }
      // The drills' isolated DB and cache subnet groups the configuration names (cdk.json drills.placement), as an
      // operator's drill VPC would hold them: a drill restores there, whatever the fleet (its subnet and
      // security group ids the model takes as given). Draws nothing from the PRNG.
      for (const [where, placement] of Object.entries(config.drills?.placement ?? {})) {
        if (placement.dbSubnetGroupName) model.addDbSubnetGroup(where, placement.dbSubnetGroupName);
        if (placement.clusterSubnetGroupName) model.addClusterSubnetGroup(where, placement.clusterSubnetGroupName);
        if (placement.cacheSubnetGroupName) model.addCacheSubnetGroup(where, placement.cacheSubnetGroupName);
      }
      // One endpoint for everything, as LocalStack offers: DynamoDB calls go through to dynalite.
      // The state table exists in the home region and in each replica's (config `recovery`), nowhere else.
      if (stateTable)
        server.proxy(STATE_TABLE_SIGNING_NAME, stateTable.endpoint, {
          regions: [region, ...(config.recovery?.regions ?? [])],
          notThere: STATE_TABLE_NOT_THERE,
        });
      if (spec.kind === 'demo' || spec.kind === 'game-day') {
        const demo = seedDemoFleet(model, region);
        if (spec.kind === 'game-day') seedGameDayEstate(model, region, config.recovery?.regions[0]);
        for (const other of (config.regions ?? []).filter((r) => r !== region)) seedRegionalDemo(model, demo, other);
        fleet = demo;
      }
      if (spec.kind === 'generated')
        fleet = seedGeneratedFleet(
          model,
          {
            size: spec.size,
            minSeconds: spec.minSeconds,
            maxSeconds: spec.maxSeconds,
            ...(config.regions ? { regions: config.regions } : {}),
          },
          region,
        );
    }

    const awsEndpoint = options.endpoint ?? server.endpoint;
    // With the built-in emulator, DynamoDB goes through it too: it answers the fleet's tables, backups
    // and exports, and passes the state table's requests to dynalite.
    const stateTableEndpoint = model && stateTable ? server.endpoint : (stateTable?.endpoint ?? awsEndpoint);
    const env: Record<string, string> = {
      AWS_REGION: region,
      // The AWS CLI (v1 and v2) and older SDKs read this one, not AWS_REGION.
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: awsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stateTableEndpoint,
      AWS_ENDPOINT_URL_SFN: server.endpoint,
      // The stacks' outputs the CLI looks up (DescribeStacks) are the sandbox's, as its Step Functions are:
      // with --endpoint, the endpoint has no stack of ours, and the printed exports alone must work.
      AWS_ENDPOINT_URL_CLOUDFORMATION: server.endpoint,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    };
    const saved = { ...process.env };
    cleanups.push(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });
    Object.assign(process.env, env, {
      // The SDK attempts the Lambdas deploy with: a 500 after a create (a lost answer) and throttling are
      // retried by the SDK first, as in AWS, and reach the ASL's Retry only when they outlast it.
      AWS_MAX_ATTEMPTS: String(DEPLOYED_SDK_MAX_ATTEMPTS),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    let resources: Awaited<ReturnType<typeof ensureRunResources>>;
    try {
      resources = await ensureRunResources({
        endpoint: awsEndpoint,
        region,
        topicName: `${config.stackName}-notifications`,
        bucketName: SANDBOX_BUCKET,
        lifecycleRules: backupBucketLifecycle(config.tiers, config.exportStorage),
      });
    } catch (error) {
      throw new SandboxError((error as Error).message);
    }
    const { accountId, topicArn } = resources;
    const stackEnv = (where: string, topic: string, bucketName: string): Record<string, string> =>
      Object.assign(
        { AWS_REGION: where, AWS_DEFAULT_REGION: where },
        ...Object.values(
          functionEnvironments(where === region ? config : recoveryStackConfig(config, where), {
            tableName: SANDBOX_TABLE,
            topicArn: topic,
            bucketName,
          }),
        ),
      );
    const homeEnv = stackEnv(region, topicArn, SANDBOX_BUCKET);
    Object.assign(process.env, homeEnv);
    if (config.recovery && config.recovery.homeRegion !== region)
      throw new SandboxError(
        `recovery.homeRegion is ${config.recovery.homeRegion} but the sandbox's home region is ${region}`,
      );
    // Each recovery region's stack, "deployed" as the CDK app deploys it: a topic and the exports' bucket there.
    const recoveryStacks: { region: string; topicArn: string; bucketName: string }[] = [];
    for (const where of config.recovery?.regions ?? []) {
      const bucketName = recoveryBucketName(config.stackName, accountId, where);
      try {
        const made = await ensureRunResources({
          endpoint: awsEndpoint,
          region: where,
          topicName: `${config.stackName}-notifications`,
          bucketName,
          lifecycleRules: backupBucketLifecycle(config.tiers, config.exportStorage),
        });
        recoveryStacks.push({ region: where, topicArn: made.topicArn, bucketName });
      } catch (error) {
        throw new SandboxError((error as Error).message);
      }
    }

    const ddb = stateTableClient(stateTableEndpoint, region);
    cleanups.push(() => ddb.destroy());
    try {
      await ensureStateTable(ddb, SANDBOX_TABLE);
    } catch (error) {
      throw new SandboxError(`cannot create the state table at ${stateTableEndpoint}: ${(error as Error).message}`);
    }

    // In every configured region: the Create calls of a multi-region run happen in each resource's own.
    if (options.faults?.crashRate)
      for (const where of configuredRegions(config.regions, region))
        installCrashInjection(where, options.faults.crashRate, random);

    const stepFunctionsIn = (where: string, env?: Record<string, string>) =>
      new StepFunctionsService({
        region: where,
        accountId,
        runOptions: {
          handlers: options.handlers ?? HANDLERS,
          scheduler,
          random,
          accountId,
          region: where,
          ...(options.lambdaConcurrency ? { lambdaConcurrency: options.lambdaConcurrency } : {}),
          // Two stacks' Lambdas in one process: each invocation gets its stack's region, topic and bucket.
          ...(env && recoveryStacks.length > 0 ? { env } : {}),
        },
      });
    const sfn = stepFunctionsIn(region, homeEnv);
    const recoverySfn = new Map<string, StepFunctionsService>();
    // Stop what still runs so no handler outlives the servers it talks to.
    cleanups.push(() => sfn.stopAll());
    const stateMachineArn = registerBackupStateMachine(sfn, backupStateMachineName(config.stackName));
    const restoreStateMachineArn = registerRestoreStateMachine(sfn, restoreStateMachineName(config.stackName));
    // The stacks' outputs, as CloudFormation DescribeStacks answers them in each stack's region: the
    // operator CLI finds the sandbox's pipeline exactly as it finds a deployed one.
    const stacks: EmulatedStack[] = [
      {
        region,
        stackName: config.stackName,
        outputs: {
          StateMachineArn: stateMachineArn,
          RestoreStateMachineArn: restoreStateMachineArn,
          TableName: SANDBOX_TABLE,
          TopicArn: topicArn,
        },
      },
    ];
    const recovery: Sandbox['recovery'] = {};
    for (const stack of recoveryStacks) {
      const env = stackEnv(stack.region, stack.topicArn, stack.bucketName);
      // A variable one stack sets and the other does not (a validation function) must not leak across.
      for (const key of Object.keys(homeEnv)) env[key] ??= '';
      for (const key of Object.keys(env)) homeEnv[key] ??= '';
      const service = stepFunctionsIn(stack.region, env);
      recoverySfn.set(stack.region, service);
      cleanups.push(() => service.stopAll());
      const machineArn = registerRestoreStateMachine(service, restoreStateMachineName(config.stackName));
      recovery[stack.region] = {
        restoreStateMachineArn: machineArn,
        topicArn: stack.topicArn,
        bucketName: stack.bucketName,
      };
      stacks.push({
        region: stack.region,
        stackName: recoveryStackName(config.stackName),
        outputs: {
          RestoreStateMachineArn: machineArn,
          TableName: SANDBOX_TABLE,
          TopicArn: stack.topicArn,
          BackupBucketName: stack.bucketName,
        },
      });
    }
    server.register('states', regionalStepFunctions(sfn, recoverySfn));
    registerStacks(server, stacks);

    return {
      endpoint: server.endpoint,
      stateTableEndpoint,
      region,
      accountId,
      stateMachineArn,
      restoreStateMachineArn,
      tableName: SANDBOX_TABLE,
      topicArn,
      bucketName: SANDBOX_BUCKET,
      config,
      model,
      fleet,
      scheduler,
      sfn,
      store: new StateStore(DynamoDBDocumentClient.from(ddb), SANDBOX_TABLE),
      points: new RestorePointStore(DynamoDBDocumentClient.from(ddb), SANDBOX_TABLE),
      restores: new RestoreStore(DynamoDBDocumentClient.from(ddb), SANDBOX_TABLE),
      stateTableCalls: () => Object.fromEntries([...server.proxiedCalls].sort(([a], [b]) => a.localeCompare(b))),
      env,
      recovery,
      loseRegion: (lost) => server.loseRegion(lost),
      lostRegionCalls: () => Object.fromEntries(server.lostRegionCalls),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Crash injection: after a Create* call has succeeded in AWS, the "Lambda" dies before it can record
 * the result. It surfaces as Lambda.Unknown, which the ASL retries; the retry must find the backup
 * the crashed attempt created (DESIGN §7), never create a second one.
 */
function installCrashInjection(region: string, rate: number, random: () => number): void {
  type Next = (args: unknown) => Promise<unknown>;
  const middleware = (next: Next, context: { commandName?: string }) => async (args: unknown) => {
    const out = await next(args);
    if (/^Create/.test(context.commandName ?? '') && random() < rate) {
      const crash = new Error(`simulated crash right after ${context.commandName}`);
      crash.name = 'Lambda.Unknown';
      throw crash;
    }
    return out;
  };
  // The create-only clients too (no SDK retries: shared/lambda/clients.ts): CreateSnapshot(s) go through them.
  for (const client of creatingClients(region)) {
    (client.middlewareStack as unknown as { add(mw: typeof middleware, options: object): void }).add(middleware, {
      step: 'initialize',
      name: 'sandboxCrashInjection',
    });
  }
}
