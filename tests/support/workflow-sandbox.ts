/**
 * A sandbox for workflow scenarios: the real ASL, the real handlers, the AWS model behind the SDK
 * clients, dynalite as the state table, and the virtual clock. One per test file; `reset` gives each
 * scenario a fresh estate while the state table keeps every run (run ids differ).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HANDLERS } from '../../local/handlers';
import { AwsModel, type ModelOptions, seededRandom } from '../../local/model';
import {
  type ExecutionResult,
  executionArnFor,
  loadDefinition,
  RESTORE_ASL_PATH,
  type RunOptions,
  runExecution,
} from '../../local/runner';
import { type Sandbox as LocalSandbox, startSandbox } from '../../local/sandbox';
import { ensureStateTable, type LocalStateTable, startDynalite, stateTableClient } from '../../local/state-table';
import { VirtualScheduler } from '../../local/virtual-time';
import { backupBucketLifecycle } from '../../shared/backup-bucket-lifecycle';
import { useClock } from '../../shared/clock';
import { type PipelineConfig, parsePipelineConfig } from '../../shared/config';
import { functionEnvironments } from '../../shared/lambda/function-env';
import { RestorePointStore } from '../../shared/state/restore-points';
import { StateStore } from '../../shared/state/store';
import { attributeHandlers, type RecordedKeyUse, stackKeyUseAuthorizer } from './key-use-policy';
import { wireExecutionsToSfn, wireModelToSdk } from './model-sdk-mocks';

export const REGION = 'eu-west-1';
export const ACCOUNT = '111122223333';
export const TABLE = 'backup-pipeline-state';
export const BUCKET = 'backup-pipeline-backups-test';
export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-pipeline-notifications`;
export const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:BackupPipeline-backup`;
export const RESTORE_STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:BackupPipeline-restore`;

export interface Sandbox {
  model: AwsModel;
  scheduler: VirtualScheduler;
  config: PipelineConfig;
  store: StateStore;
  /** The restore points Record result wrote (what `backups` lists and a restore reads). */
  points: RestorePointStore;
  /**
   * Every customer managed key use the model asked about since the last reset, with the function it was
   * for and whether that function's grants allowed it (tests/support/key-use-policy.ts).
   */
  keyUses: RecordedKeyUse[];
  run(input: unknown, name?: string, extra?: Partial<RunOptions>): Promise<ExecutionResult>;
  /** Runs statemachines/restore.asl.json (one restore; `name` is the restore id). */
  restore(input: unknown, name?: string, extra?: Partial<RunOptions>): Promise<ExecutionResult>;
  /** `clockStart` sets where virtual time begins (calendar scenarios); the default is the wall clock. */
  reset(options?: {
    model?: Partial<ModelOptions>;
    config?: Record<string, unknown>;
    clockStart?: Date;
  }): Promise<void>;
  close(): Promise<void>;
}

let runCounter = 0;

export async function openSandbox(): Promise<Sandbox> {
  const stateTable: LocalStateTable = await startDynalite();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = stateTable.endpoint;
  const ddb = stateTableClient(stateTable.endpoint, REGION);
  await ensureStateTable(ddb, TABLE);
  const store = new StateStore(DynamoDBDocumentClient.from(ddb), TABLE);
  const points = new RestorePointStore(DynamoDBDocumentClient.from(ddb), TABLE);

  let restoreClock: () => void = () => undefined;
  let wiring: { restore(): void } | undefined;
  // Every execution this sandbox ran, by ARN: what DescribeExecution answers (a run's lock holder).
  const executions = new Map<string, string>();
  let sfnWiring: { restore(): void } | undefined;
  const sandbox = {
    store,
    points,
    async reset(options: { model?: Partial<ModelOptions>; config?: Record<string, unknown>; clockStart?: Date } = {}) {
      wiring?.restore();
      sfnWiring?.restore();
      restoreClock();
      const scheduler = new VirtualScheduler(options.clockStart);
      restoreClock = useClock(scheduler);
      const model = new AwsModel({
        clock: scheduler,
        tokenClock: scheduler.tokenClock,
        random: seededRandom(7),
        tokenBuckets: false,
        ...options.model,
      });
      // What the stack deploys and the pipeline writes to: its topic and its backup bucket.
      model.createTopic(REGION, { Name: TOPIC.split(':').at(-1) });
      model.createBucket(REGION, BUCKET);
      const config = parsePipelineConfig(options.config ?? {});
      // With the lifecycle the stack deploys on it: exports age into the classes the deployed bucket gives them.
      model.putBucketLifecycleConfiguration(BUCKET, {
        Rules: backupBucketLifecycle(config.tiers, config.exportStorage),
      });
      // Key use on a function's behalf is allowed as far as its grants allow it, as in AWS.
      const keyUse = stackKeyUseAuthorizer({
        account: ACCOUNT,
        region: REGION,
        stackName: config.stackName,
        bucketArn: `arn:aws:s3:::${BUCKET}`,
      });
      model.setKeyUseAuthorizer(keyUse.authorize);
      // Optional variables one configuration sets and the next may not: none carries over.
      delete process.env.VALIDATION_FUNCTION_ARN;
      for (const env of Object.values(
        functionEnvironments(config, { tableName: TABLE, topicArn: TOPIC, bucketName: BUCKET }),
      )) {
        Object.assign(process.env, env);
      }
      wiring = wireModelToSdk(model);
      sfnWiring = wireExecutionsToSfn(executions);
      Object.assign(sandbox, { model, scheduler, config, keyUses: keyUse.uses });
    },
    async run(input: unknown, name?: string, extra: Partial<RunOptions> = {}) {
      const self = sandbox as unknown as Sandbox;
      const executionName = name ?? `scenario-${++runCounter}`;
      const arn = executionArnFor(STATE_MACHINE, executionName);
      executions.set(arn, 'RUNNING');
      const result = runExecution({
        input,
        name: executionName,
        stateMachineArn: STATE_MACHINE,
        scheduler: self.scheduler,
        random: seededRandom(11),
        accountId: ACCOUNT,
        region: REGION,
        ...extra,
        handlers: attributeHandlers(extra.handlers ?? HANDLERS),
      });
      result.then(
        (done) => executions.set(arn, done.status),
        () => executions.set(arn, 'FAILED'),
      );
      return result;
    },
    async restore(input: unknown, name?: string, extra: Partial<RunOptions> = {}) {
      const self = sandbox as unknown as Sandbox;
      return runExecution({
        input,
        name: name ?? `restore-${++runCounter}`,
        stateMachineArn: RESTORE_STATE_MACHINE,
        definition: loadDefinition(RESTORE_ASL_PATH),
        scheduler: self.scheduler,
        random: seededRandom(13),
        accountId: ACCOUNT,
        region: REGION,
        ...extra,
        handlers: attributeHandlers(extra.handlers ?? HANDLERS),
      });
    },
    async close() {
      wiring?.restore();
      sfnWiring?.restore();
      restoreClock();
      (sandbox as unknown as Sandbox).scheduler?.stop();
      ddb.destroy();
      await stateTable.close();
    },
  };
  await sandbox.reset();
  return sandbox as unknown as Sandbox;
}

/**
 * The same scenarios over the wire: the local sandbox (emulator HTTP endpoints, dynalite, the Step
 * Functions API) as `npm start` runs it. `reset` boots a fresh sandbox; runs go through StartExecution.
 */
export async function openWireSandbox(): Promise<Sandbox> {
  let current: LocalSandbox | undefined;
  const sandbox = {
    async reset(options: { model?: Partial<ModelOptions>; config?: Record<string, unknown>; clockStart?: Date } = {}) {
      // startSandbox starts its clock at the wall clock and offers no other start.
      if (options.clockStart) throw new Error('clockStart is supported by openSandbox only');
      await current?.close();
      current = await startSandbox({
        fleet: { kind: 'none' },
        seed: 7,
        tokenBuckets: options.model?.tokenBuckets ?? false,
        ...(options.model?.faults ? { faults: options.model.faults } : {}),
        ...(options.model?.limits ? { limits: options.model.limits } : {}),
        ...(options.config ? { config: options.config } : {}),
      });
      if (!current.model) throw new Error('expected the built-in emulator');
      Object.assign(sandbox, {
        model: current.model,
        scheduler: current.scheduler,
        config: current.config,
        store: current.store,
        points: current.points,
        // Over the wire the emulator cannot tell which function calls: key use is the model's default
        // (allowed when the key exists there and is enabled), so nothing is recorded.
        keyUses: [],
      });
    },
    async run(input: unknown, name?: string) {
      if (!current) throw new Error('reset first');
      const execution = current.sfn.startExecution(
        current.stateMachineArn,
        name ?? `scenario-${++runCounter}`,
        JSON.stringify(input),
      );
      return execution.done;
    },
    async close() {
      await current?.close();
    },
  };
  await sandbox.reset();
  return sandbox as unknown as Sandbox;
}
