/**
 * The local runner: executes statemachines/backup.asl.json (the same file CDK deploys) with
 * aws-local-stepfunctions, each Task mapped to its real handler in-process. Three local adaptations,
 * all mechanical: Wait states and retry back-offs sleep on the virtual clock (so hours pass in
 * milliseconds while poll counts stay true), `$$.Execution.StartTime` is the virtual start time, and
 * the DISTRIBUTED Map runs inline. The runner counts
 * what AWS would bill and record: state transitions, history events per execution, invocations,
 * payload sizes.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { FUNCTION_NAMES, type FunctionName, placeholderOf } from '../shared/function-env';
import type { LocalHandler } from './handlers';
import type { VirtualScheduler } from './virtual-time';

export const ASL_PATH = join(__dirname, '..', 'statemachines', 'backup.asl.json');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type StateDef = { Type: string; [k: string]: unknown };
type Definition = { StartAt: string; States: Record<string, StateDef>; [k: string]: unknown };
type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};

export function loadDefinition(path = ASL_PATH): Definition {
  return JSON.parse(readFileSync(path, 'utf8')) as Definition;
}

interface StateInfo {
  type: string;
  /** The function a Task invokes, from its `${XFunctionArn}` placeholder. */
  fn?: FunctionName;
  retry: Retrier[];
  /** True for states inside the Map's item processor (a child execution in AWS). */
  child: boolean;
}

const PLACEHOLDER_TO_FUNCTION = new Map(FUNCTION_NAMES.map((name) => [`\${${placeholderOf(name)}}`, name]));

/**
 * The timeout of a Wait rewritten as a Task. A Wait has no timeout in AWS, but aws-local-stepfunctions
 * gives a Task without `TimeoutSeconds` one of 60 s, on the wall clock: under real time (`--endpoint`)
 * every wait of a minute or more would die with States.Timeout. This is the longest delay Node's
 * setTimeout honours (2^31-1 ms, about 24.8 days; beyond it fires at once), far above any poll wait.
 */
export const WAIT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Walks the definition: every state's type, function and retriers; rewrites Waits for the virtual clock. */
export function localize(definition: Definition): { definition: Definition; states: Map<string, StateInfo> } {
  const copy = JSON.parse(JSON.stringify(definition)) as Definition;
  const states = new Map<string, StateInfo>();
  const visit = (machine: Definition, child: boolean) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (states.has(name)) throw new Error(`state name "${name}" is used twice; the runner keys by name`);
      const info: StateInfo = { type: state.Type, retry: (state.Retry as Retrier[] | undefined) ?? [], child };
      if (state.Type === 'Task') {
        const placeholder = (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? '';
        const fn = PLACEHOLDER_TO_FUNCTION.get(placeholder);
        if (!fn)
          throw new Error(`task "${name}" invokes ${placeholder || 'nothing'}, which no local handler implements`);
        info.fn = fn;
      }
      if (state.Type === 'Wait') {
        // A Task that sleeps on the virtual clock: same name, same transitions, output = input.
        const { Seconds, SecondsPath, Timestamp, TimestampPath, Type: _t, ...rest } = state;
        machine.States[name] = {
          ...rest,
          Type: 'Task',
          Resource: 'arn:aws:states:::local:sleep',
          TimeoutSeconds: WAIT_TASK_TIMEOUT_SECONDS,
          Parameters: SecondsPath
            ? { 'seconds.$': SecondsPath }
            : TimestampPath
              ? { 'timestamp.$': TimestampPath }
              : Timestamp
                ? { timestamp: Timestamp }
                : { seconds: Seconds ?? 0 },
          ResultPath: null,
        };
      }
      if (state.Type === 'Map') {
        const processor = (state.ItemProcessor ?? state.Iterator) as Definition & { ProcessorConfig?: unknown };
        delete processor.ProcessorConfig; // DISTRIBUTED runs inline locally (DESIGN §8)
        visit(processor, true);
      }
      states.set(name, info);
    }
  };
  visit(copy, false);
  return { definition: copy, states };
}

/**
 * Replaces every `$$.Execution.StartTime` reference with the execution's start on the virtual clock.
 * aws-local-stepfunctions stamps that field with the wall clock whatever context it is given, and
 * Plan derives each backup's expires-at from it: on the wall clock, a run days into virtual time
 * would tag its backups as expiring days early or late, and retention would follow the tags.
 */
export function pinStartTime<T>(definition: T, startTime: string): T {
  const pin = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(pin);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) =>
        key.endsWith('.$') && value === '$$.Execution.StartTime' ? [key.slice(0, -2), startTime] : [key, pin(value)],
      ),
    );
  };
  return pin(definition) as T;
}

/** AWS history events a state contributes (Lambda task: entered, scheduled, started, ended, exited). */
function historyEventsFor(type: string): number {
  if (type === 'Task') return 5;
  if (type === 'Map') return 4;
  if (type === 'Fail') return 1;
  return 2;
}

export interface RunStats {
  transitions: number;
  parentHistoryEvents: number;
  childHistoryEvents: number[];
  invocations: Record<string, number>;
  retries: number;
  payloadHighWaterBytes: number;
}

/** One parent-execution event, in the runner's vocabulary (the SFN endpoint maps it to AWS's). */
export interface RunnerEvent {
  type: string;
  timestamp: number;
  state?: string;
  stateType?: string;
  index?: number;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
  startedAt: Date;
  stoppedAt: Date;
  stats: RunStats;
  /** GetExecutionHistory-like events of the parent execution (children summarized in stats). */
  events: RunnerEvent[];
}

export interface RunOptions {
  input: unknown;
  name?: string;
  stateMachineArn: string;
  handlers: Record<FunctionName, LocalHandler>;
  scheduler: VirtualScheduler;
  random?: () => number;
  definition?: Definition;
  accountId: string;
  region: string;
  /** Called for every event as it happens (live progress). */
  onEvent?: (event: { type: string; state?: string; index?: number }) => void;
  /** Called for every parent-execution event as it happens (GetExecutionHistory of a running execution). */
  onHistoryEvent?: (event: RunnerEvent) => void;
  /** Injected after a handler's own work: throw this error instead of returning (crash simulation). */
  crash?: (fn: FunctionName, payload: unknown, output: unknown) => Error | undefined;
  abortSignal?: AbortSignal;
}

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function runExecution(options: RunOptions): Promise<ExecutionResult> {
  const { scheduler } = options;
  const random = options.random ?? Math.random;
  const startedAt = scheduler.now();
  const localized = localize(options.definition ?? loadDefinition());
  const definition = pinStartTime(localized.definition, startedAt.toISOString());
  const { states } = localized;
  const name = options.name ?? randomUUID();
  const executionArn = executionArnFor(options.stateMachineArn, name);
  const stats: RunStats = {
    transitions: 0,
    parentHistoryEvents: 2,
    childHistoryEvents: [],
    invocations: {},
    retries: 0,
    payloadHighWaterBytes: 0,
  };
  const attempts = new Map<string, number>();

  const taskHandlers: Record<
    string,
    (params: { Payload?: unknown; seconds?: number; timestamp?: string }) => Promise<unknown>
  > = {};
  for (const [stateName, info] of states) {
    if (info.type === 'Wait') {
      taskHandlers[stateName] = async (params) => {
        const ms =
          params.timestamp !== undefined
            ? new Date(params.timestamp).getTime() - scheduler.nowMs()
            : (params.seconds ?? 0) * 1000;
        await scheduler.sleep(ms);
        return {};
      };
      continue;
    }
    const fn = info.fn;
    if (!fn) continue;
    const handler = options.handlers[fn];
    taskHandlers[stateName] = async (params) => {
      const payload = params.Payload;
      const key = `${stateName}|${JSON.stringify(payload)}`;
      try {
        const output = await scheduler.busy(async () => {
          stats.invocations[fn] = (stats.invocations[fn] ?? 0) + 1;
          const result = await handler(payload, {
            invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:backup-pipeline-${fn}`,
            awsRequestId: randomUUID(),
            functionName: `backup-pipeline-${fn}`,
          });
          const crash = options.crash?.(fn, payload, result);
          if (crash) throw crash;
          return result;
        });
        attempts.delete(key);
        return { Payload: output };
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        // Retry back-off happens on the virtual clock, exactly as the ASL retrier would wait.
        const retrier = info.retry.find(
          (r) => r.ErrorEquals.includes(err.name) || r.ErrorEquals.includes('States.ALL'),
        );
        const attempt = attempts.get(key) ?? 0;
        if (retrier && attempt < (retrier.MaxAttempts ?? 3)) {
          attempts.set(key, attempt + 1);
          const base = Math.min(
            (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt,
            retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
          );
          const delay = retrier.JitterStrategy === 'FULL' ? random() * base : base;
          await scheduler.sleep(delay * 1000);
        } else {
          attempts.delete(key);
        }
        throw new NamedError(err.name, err.message);
      }
    };
  }

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
  const retryOverrides: Record<string, number> = {};
  for (const [stateName, info] of states) if (info.retry.length > 0) retryOverrides[stateName] = 0;

  const execution = machine.run(options.input as Json as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides: retryOverrides },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        StartTime: startedAt.toISOString(),
        Input: options.input as never,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
    },
    noThrowOnAbort: false,
  });
  if (options.abortSignal) options.abortSignal.addEventListener('abort', () => execution.abort(), { once: true });

  const events: ExecutionResult['events'] = [];
  const childEvents = new Map<number, number>();
  const consume = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as {
        type: string;
        timestamp: number;
        index?: number;
        state?: { name: string; input?: unknown; output?: unknown };
      };
      const stateName = e.state?.name;
      const info = stateName ? states.get(stateName) : undefined;
      if (e.type === 'StateEntered' && info) {
        stats.transitions++;
        if (info.child && e.index !== undefined) {
          childEvents.set(e.index, (childEvents.get(e.index) ?? 2) + historyEventsFor(info.type));
        } else {
          stats.parentHistoryEvents += historyEventsFor(info.type);
        }
      }
      if (e.type === 'StateRetried' && info) {
        stats.retries++;
        stats.transitions++;
        if (info.child && e.index !== undefined) childEvents.set(e.index, (childEvents.get(e.index) ?? 2) + 3);
        else stats.parentHistoryEvents += 3;
      }
      for (const payload of [e.state?.input, e.state?.output]) {
        if (payload !== undefined) {
          const size = Buffer.byteLength(JSON.stringify(payload));
          if (size > stats.payloadHighWaterBytes) stats.payloadHighWaterBytes = size;
        }
      }
      if (e.index === undefined || e.type.startsWith('Map')) {
        const raw = event as { input?: unknown; output?: unknown; Error?: string; Cause?: unknown };
        const historyEvent: RunnerEvent = {
          type: e.type,
          timestamp: scheduler.nowMs(),
          ...(stateName ? { state: stateName, stateType: info?.type ?? 'Task' } : {}),
          ...(e.index !== undefined ? { index: e.index } : {}),
          ...(e.state?.input !== undefined
            ? { input: e.state.input }
            : raw.input !== undefined
              ? { input: raw.input }
              : {}),
          ...(e.state?.output !== undefined
            ? { output: e.state.output }
            : raw.output !== undefined
              ? { output: raw.output }
              : {}),
          ...(raw.Error !== undefined
            ? { error: raw.Error, cause: typeof raw.Cause === 'string' ? raw.Cause : JSON.stringify(raw.Cause) }
            : {}),
        };
        events.push(historyEvent);
        options.onHistoryEvent?.(historyEvent);
      }
      options.onEvent?.({
        type: e.type,
        ...(stateName ? { state: stateName } : {}),
        ...(e.index !== undefined ? { index: e.index } : {}),
      });
    }
  })();

  try {
    const output = await execution.result;
    await consume;
    stats.childHistoryEvents = [...childEvents.values()];
    return { status: 'SUCCEEDED', output, startedAt, stoppedAt: scheduler.now(), stats, events };
  } catch (error) {
    await consume.catch(() => undefined);
    stats.childHistoryEvents = [...childEvents.values()];
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: options.abortSignal?.aborted ? 'ABORTED' : 'FAILED',
      error: cause?.name ?? (error as Error).name,
      cause: cause?.message ?? (error as Error).message,
      startedAt,
      stoppedAt: scheduler.now(),
      stats,
      events,
    };
  }
}
