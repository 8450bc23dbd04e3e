/**
 * The sandbox's Step Functions API (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`): enough of it
 * for the project's CLI, the AWS CLI and any SDK client to start, follow, list and stop executions as
 * they do against AWS. Executions run with the local runner (the same ASL, the real handlers).
 */

import { PAYLOAD_LIMIT_BYTES } from '../execution-limits';
import { AwsApiError } from '../model';
import {
  type ExecutionResult,
  executionArnFor,
  loadDefinition,
  localize,
  RESTORE_ASL_PATH,
  type RunnerEvent,
  type RunOptions,
  runExecution,
} from '../runner';
import type { ServiceHandler, ServiceRequest, ServiceResponse } from './server';

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

interface StateMachineRecord {
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
  createdAt: Date;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  status: Status;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  events: RunnerEvent[];
  abort: AbortController;
  done: Promise<ExecutionResult>;
  result?: ExecutionResult;
}

export interface SfnServiceOptions {
  region: string;
  accountId: string;
  /** Everything runExecution needs besides the per-execution fields. */
  runOptions: Omit<RunOptions, 'input' | 'name' | 'stateMachineArn' | 'definition' | 'onHistoryEvent' | 'abortSignal'>;
}

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

/** An execution as ListExecutions lists it; DescribeExecution adds input, output, error and cause. */
const executionListItem = (e: ExecutionRecord) => ({
  executionArn: e.arn,
  stateMachineArn: e.stateMachineArn,
  name: e.name,
  status: e.status,
  startDate: epoch(e.startDate),
  stopDate: epoch(e.stopDate),
});

/** Maps the runner's event names to GetExecutionHistory's (e.g. StateEntered of a Task -> TaskStateEntered). */
function historyType(e: RunnerEvent): string {
  if (e.type === 'StateEntered' || e.type === 'StateExited') {
    return `${e.stateType ?? 'Task'}State${e.type === 'StateEntered' ? 'Entered' : 'Exited'}`;
  }
  if (e.type === 'StateFailed') return e.stateType === 'Map' ? 'MapStateFailed' : 'TaskFailed';
  if (e.type === 'StateRetried') return 'TaskScheduled';
  if (e.type === 'StateCaught') return 'TaskFailed';
  if (e.type === 'ExecutionAborted') return 'ExecutionAborted';
  if (e.type === 'MapIterationStarted') return 'MapIterationStarted';
  if (e.type === 'MapIterationSucceeded') return 'MapIterationSucceeded';
  if (e.type === 'MapIterationFailed') return 'MapIterationFailed';
  return e.type;
}

/** One page of a list, with the API's maxResults / nextToken (an offset, opaque to clients). */
function page<T>(items: T[], body: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const start = body.nextToken ? Number(body.nextToken) : 0;
  const size = Math.min(Number(body.maxResults ?? 100) || 100, 1000);
  return {
    page: items.slice(start, start + size),
    ...(start + size < items.length ? { nextToken: String(start + size) } : {}),
  };
}

function json(body: unknown, status = 200): ServiceResponse {
  return { status, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(body) };
}

function fail(code: string, message: string): never {
  throw new AwsApiError(code, message);
}

/** What a host of the sandbox is told of an execution as it starts and as it ends (`npm start -- --serve`). */
export type ExecutionListener = (
  event: 'started' | 'ended',
  execution: Pick<ExecutionRecord, 'arn' | 'name' | 'stateMachineArn' | 'status' | 'error' | 'cause'>,
) => void;

export class StepFunctionsService implements ServiceHandler {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly listeners = new Set<ExecutionListener>();

  constructor(private readonly options: SfnServiceOptions) {}

  /** The boot step: registers a state machine from its definition (what CreateStateMachine does). */
  createStateMachine(
    name: string,
    definition: string,
    roleArn = `arn:aws:iam::${this.options.accountId}:role/local`,
  ): StateMachineRecord {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) fail('InvalidName', `Invalid state machine name: ${name}`);
    try {
      localize(JSON.parse(definition));
    } catch (error) {
      fail('InvalidDefinition', `The sandbox cannot run this definition: ${(error as Error).message}`);
    }
    const arn = `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.definition !== definition) fail('StateMachineAlreadyExists', `State machine already exists: ${arn}`);
      return existing;
    }
    const record: StateMachineRecord = {
      arn,
      name,
      definition,
      roleArn,
      type: 'STANDARD',
      createdAt: this.options.runOptions.scheduler.now(),
    };
    this.machines.set(arn, record);
    return record;
  }

  /** Starts an execution (StartExecution); idempotent for the same name and input, as in AWS. */
  startExecution(stateMachineArn: string, name: string | undefined, input: string | undefined): ExecutionRecord {
    const machine =
      this.machines.get(stateMachineArn) ??
      fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const executionName = name ?? crypto.randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) fail('InvalidName', `Invalid Name: '${executionName}'`);
    const arn = executionArnFor(machine.arn, executionName);
    const text = input ?? '{}';
    // The API model's length constraint on `input` (262,144, counted in UTF-8 bytes), checked before all else.
    if (Buffer.byteLength(text) > PAYLOAD_LIMIT_BYTES)
      fail(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      fail('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
    }
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.input === text && existing.status === 'RUNNING') return existing;
      fail('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const abort = new AbortController();
    const record: ExecutionRecord = {
      arn,
      name: executionName,
      stateMachineArn: machine.arn,
      input: text,
      status: 'RUNNING',
      startDate: this.options.runOptions.scheduler.now(),
      events: [],
      abort,
      done: undefined as unknown as Promise<ExecutionResult>,
    };
    record.done = runExecution({
      ...this.options.runOptions,
      input: parsed,
      name: executionName,
      stateMachineArn: machine.arn,
      definition: JSON.parse(machine.definition),
      abortSignal: abort.signal,
      onHistoryEvent: (event) => record.events.push(event),
    }).then((result) => {
      record.result = result;
      // A StopExecution already set the status, stop date, error and cause the operator gave.
      if (record.status !== 'RUNNING') return result;
      record.status = result.status;
      record.stopDate = result.stoppedAt;
      if (result.output !== undefined) record.output = JSON.stringify(result.output);
      if (result.error !== undefined) record.error = result.error;
      if (result.cause !== undefined) record.cause = result.cause;
      return result;
    });
    this.executions.set(arn, record);
    for (const listener of this.listeners) listener('started', record);
    // After the status update above (chained before this), whichever way the execution ended.
    void record.done.then(
      () => {
        for (const listener of this.listeners) listener('ended', record);
      },
      () => undefined,
    );
    return record;
  }

  /** Tells `listener` of each execution that starts and ends from now on; returns how to stop telling it. */
  onExecution(listener: ExecutionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  execution(arn: string): ExecutionRecord {
    return this.executions.get(arn) ?? fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  /** Aborts whatever still runs and resolves when every execution has ended (shutdown). */
  async stopAll(): Promise<void> {
    for (const execution of this.executions.values()) execution.abort.abort();
    await Promise.allSettled([...this.executions.values()].map((e) => e.done));
  }

  async handle(request: ServiceRequest): Promise<ServiceResponse> {
    const body = (request.json ?? {}) as Record<string, unknown>;
    try {
      switch (request.action) {
        case 'CreateStateMachine': {
          const m = this.createStateMachine(
            String(body.name ?? ''),
            String(body.definition ?? ''),
            body.roleArn as string | undefined,
          );
          return json({ stateMachineArn: m.arn, creationDate: epoch(m.createdAt) });
        }
        case 'DescribeStateMachine': {
          const m =
            this.machines.get(String(body.stateMachineArn)) ??
            fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
          return json({
            stateMachineArn: m.arn,
            name: m.name,
            status: 'ACTIVE',
            definition: m.definition,
            roleArn: m.roleArn,
            type: m.type,
            creationDate: epoch(m.createdAt),
          });
        }
        case 'ListStateMachines':
          return json({
            stateMachines: [...this.machines.values()].map((m) => ({
              stateMachineArn: m.arn,
              name: m.name,
              type: m.type,
              creationDate: epoch(m.createdAt),
            })),
          });
        case 'StartExecution': {
          const e = this.startExecution(
            String(body.stateMachineArn ?? ''),
            body.name as string | undefined,
            body.input as string | undefined,
          );
          return json({ executionArn: e.arn, startDate: epoch(e.startDate) });
        }
        case 'DescribeExecution': {
          const e = this.execution(String(body.executionArn ?? ''));
          return json({
            ...executionListItem(e),
            input: e.input,
            output: e.output,
            error: e.error,
            cause: e.cause,
          });
        }
        case 'ListExecutions': {
          const arn = String(body.stateMachineArn ?? '');
          if (!this.machines.has(arn)) fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
          const all = [...this.executions.values()]
            .filter((e) => e.stateMachineArn === arn && (!body.statusFilter || e.status === body.statusFilter))
            .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
          const listed = page(all, body);
          return json({
            ...(listed.nextToken ? { nextToken: listed.nextToken } : {}),
            executions: listed.page.map(executionListItem),
          });
        }
        case 'GetExecutionHistory': {
          const e = this.execution(String(body.executionArn ?? ''));
          const events = e.events.map((event, index) => this.historyEvent(e, event, index + 1));
          const ordered = body.reverseOrder ? events.reverse() : events;
          const listed = page(ordered, body);
          return json({ events: listed.page, ...(listed.nextToken ? { nextToken: listed.nextToken } : {}) });
        }
        case 'StopExecution': {
          const e = this.execution(String(body.executionArn ?? ''));
          if (e.status === 'RUNNING') {
            e.status = 'ABORTED';
            e.stopDate = this.options.runOptions.scheduler.now();
            if (body.error !== undefined) e.error = String(body.error);
            if (body.cause !== undefined) e.cause = String(body.cause);
            e.abort.abort();
          }
          return json({ stopDate: epoch(e.stopDate) });
        }
        default:
          return json(
            { __type: 'UnknownOperationException', message: `The sandbox does not implement ${request.action}` },
            400,
          );
      }
    } catch (error) {
      if (error instanceof AwsApiError) return json({ __type: error.code, message: error.message }, 400);
      throw error;
    }
  }

  private historyEvent(execution: ExecutionRecord, event: RunnerEvent, id: number) {
    const type = historyType(event);
    const base = { id, previousEventId: id - 1, timestamp: event.timestamp / 1000, type };
    const data = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
    if (type === 'ExecutionStarted')
      return {
        ...base,
        executionStartedEventDetails: {
          input: execution.input,
          roleArn: `arn:aws:iam::${this.options.accountId}:role/local`,
        },
      };
    if (type === 'ExecutionSucceeded')
      return { ...base, executionSucceededEventDetails: { output: data(event.output) ?? execution.output } };
    if (type === 'ExecutionFailed')
      return {
        ...base,
        executionFailedEventDetails: { error: event.error ?? execution.error, cause: event.cause ?? execution.cause },
      };
    if (type === 'ExecutionAborted')
      return { ...base, executionAbortedEventDetails: { error: execution.error, cause: execution.cause } };
    if (type.endsWith('StateEntered'))
      return { ...base, stateEnteredEventDetails: { name: event.state, input: data(event.input) } };
    if (type.endsWith('StateExited'))
      return { ...base, stateExitedEventDetails: { name: event.state, output: data(event.output) } };
    if (type === 'TaskFailed')
      return {
        ...base,
        taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: event.error, cause: event.cause },
      };
    if (type.startsWith('MapIteration')) {
      return { ...base, [`m${type.slice(1)}EventDetails`]: { name: 'Back up each resource', index: event.index } };
    }
    return base;
  }
}

/** Boots the sandbox's state machine from the project's ASL file (the CreateStateMachine boot step). */
export function registerBackupStateMachine(service: StepFunctionsService, name: string): string {
  return service.createStateMachine(name, JSON.stringify(loadDefinition())).arn;
}

/** Boots the restore state machine from statemachines/restore.asl.json, as the stack deploys it beside the backup one. */
export function registerRestoreStateMachine(service: StepFunctionsService, name: string): string {
  return service.createStateMachine(name, JSON.stringify(loadDefinition(RESTORE_ASL_PATH))).arn;
}

/**
 * Step Functions in several regions behind one endpoint: each request goes to the service of the region
 * it is signed for (a state machine exists only in its region, as in AWS), and a region with none of
 * the sandbox's stacks to the home region's service.
 */
export function regionalStepFunctions(
  home: StepFunctionsService,
  byRegion: ReadonlyMap<string, StepFunctionsService>,
): ServiceHandler {
  return { handle: (request) => (byRegion.get(request.region) ?? home).handle(request) };
}
