/**
 * The local runner: executes statemachines/backup.asl.json (the same file CDK deploys) with
 * aws-local-stepfunctions, each Task mapped to its real handler in-process. Four local adaptations,
 * all mechanical: Wait states and retry back-offs sleep on the virtual clock (so hours pass in
 * milliseconds while poll counts stay true), `$$.Execution.StartTime` is the virtual start time, the
 * DISTRIBUTED Map runs inline, and its ItemReader / ResultWriter (which the library does not know)
 * become two hidden steps around it that really read the item object from S3 at the endpoint and
 * really write the results there (./map-io.ts). The runner counts
 * what AWS would bill and record: state transitions, history events per execution, invocations,
 * payload sizes.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { FunctionName } from '../shared/lambda/function-env';
import {
  atPath,
  type Definition,
  type Json,
  loadDefinition,
  localize,
  pinStartTime,
  processorsOf,
} from './asl-definition';
import {
  dataLimitExceeded,
  type ExecutionHooks,
  HISTORY_LIMIT_EVENTS,
  historyLimitReached,
  installExecutionHooks,
  PAYLOAD_LIMIT_BYTES,
  payloadBytes,
} from './execution-limits';
import type { LocalHandler } from './handlers';
import { LOCAL_ITEMS, type MapResults, readItems, writeResults } from './map-io';
import { enterEnv } from './stack-env';
import type { VirtualScheduler } from './virtual-time';

// The ASL as the runner reads it (./asl-definition.ts); its importers keep finding it here too.
export {
  ASL_PATH,
  loadDefinition,
  localize,
  pinStartTime,
  RESTORE_ASL_PATH,
  WAIT_TASK_TIMEOUT_SECONDS,
} from './asl-definition';

installExecutionHooks();

/** AWS history events a state contributes (Lambda task: entered, scheduled, started, ended, exited). */
function historyEventsFor(type: string): number {
  if (type === 'Task') return 5;
  if (type === 'Map') return 4;
  if (type === 'Fail') return 1;
  return 2;
}

function collectChildHistories(stats: RunStats, children: readonly { events: number; map: string }[]): void {
  stats.childHistoryEvents = children.map((h) => h.events);
  const byMap: Record<string, number[]> = {};
  for (const { events, map } of children) {
    byMap[map] ??= [];
    byMap[map].push(events);
  }
  stats.childHistoryEventsByMap = byMap;
}

export interface RunStats {
  transitions: number;
  parentHistoryEvents: number;
  /** Every DISTRIBUTED child's history events, whichever Map ran it. */
  childHistoryEvents: number[];
  /** The same, by the Map state that ran them ("Back up each resource", "Apply retention in each region"). */
  childHistoryEventsByMap: Record<string, number[]>;
  invocations: Record<string, number>;
  retries: number;
  /** Invocations Lambda refused (`Lambda.TooManyRequestsException`): the account's concurrency was in use. */
  throttledInvocations: number;
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
  /**
   * The account's Lambda concurrency in the region (AWS's default: 1,000; new accounts get less): an
   * invocation while that many run is refused with `Lambda.TooManyRequestsException`, which the Task's
   * Retry sees as in AWS. Shared by every execution the sandbox runs in the account and region.
   */
  lambdaConcurrency?: number;
  /**
   * The environment the functions of this state machine's stack run with (their region, topic, bucket),
   * set on the process before each invocation: a recovery stack's Lambdas run in the recovery region.
   * The sandbox runs its handlers in one process, so two stacks' Lambdas must not run at once (they
   * never do in the game day: the home region is lost first); an overlap fails loudly.
   */
  env?: Record<string, string>;
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

/** Lambda's default concurrency per account and region ("Lambda quotas": concurrent executions, 1,000). */
export const DEFAULT_LAMBDA_CONCURRENCY = 1000;
/** Invocations running now, per account and region: Lambda's concurrency is the account's, not one execution's. */
const runningInvocations = new Map<string, { inFlight: number }>();
function lambdaSlots(accountId: string, region: string): { inFlight: number } {
  const key = `${accountId}/${region}`;
  const slot = runningInvocations.get(key) ?? { inFlight: 0 };
  runningInvocations.set(key, slot);
  return slot;
}

/** The definitions already validated, by their text: each once per process. */
const validatedDefinitions = new Set<string>();

/**
 * The library validates a definition with asl-validator, which compiles its JSON schemas anew on every call:
 * a third of a workflow run's CPU when done per execution. The localized definition is validated once (an
 * invalid one is refused as before, on its first execution); each execution's copy differs from it only by
 * its start time pinned as a literal, which no rule of the validator can refuse, so it is built unvalidated.
 */
function stateMachineOf(localized: unknown, pinned: unknown): StateMachine {
  const key = JSON.stringify(localized);
  if (!validatedDefinitions.has(key)) {
    new StateMachine(localized as never, { validationOptions: { checkArn: false, checkPaths: true } });
    validatedDefinitions.add(key);
  }
  return new StateMachine(pinned as never, { validationOptions: { noValidate: true } });
}

export async function runExecution(options: RunOptions): Promise<ExecutionResult> {
  const { scheduler } = options;
  const random = options.random ?? Math.random;
  const startedAt = scheduler.now();
  const localized = localize(options.definition ?? loadDefinition());
  const definition = pinStartTime(localized.definition, startedAt.toISOString());
  const { states, hidden } = localized;
  // Items each ItemReader read, by key: the Map's ItemsPath points here (`$$.LocalItems.<key>`).
  const localItems: Record<string, unknown[]> = {};
  // Each ResultWriter Map's child results, gathered as its children end.
  const mapResults = new Map<string, MapResults>();
  const name = options.name ?? randomUUID();
  const executionArn = executionArnFor(options.stateMachineArn, name);
  const stats: RunStats = {
    transitions: 0,
    parentHistoryEvents: 2,
    childHistoryEvents: [],
    childHistoryEventsByMap: {},
    invocations: {},
    retries: 0,
    throttledInvocations: 0,
    payloadHighWaterBytes: 0,
  };
  const attempts = new Map<string, number>();

  const taskHandlers: Record<
    string,
    (params: { Payload?: unknown; seconds?: number; timestamp?: string }) => Promise<unknown>
  > = {};
  for (const [stateName, step] of hidden) {
    taskHandlers[stateName] = async (params) => {
      const io = { region: options.region, executionName: name, stateMachineArn: options.stateMachineArn };
      // Busy like a handler: virtual time must not jump past other executions' waits during the S3 calls.
      if (step.kind === 'read-items') {
        localItems[step.key] = await scheduler.busy(() => readItems(params as never, io));
        return {};
      }
      const results = mapResults.get(step.map) ?? { succeeded: [], failed: [] };
      return scheduler.busy(() => writeResults(params as never, results, step.map, io));
    };
  }
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
      // The input after Parameters, and below the connector's result: 256 KiB each, or the execution ends.
      if (payloadBytes(params) > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(stateName, 'input');
      const payload = params.Payload;
      const key = `${stateName}|${JSON.stringify(payload)}`;
      let result: { Payload: unknown };
      const slot = lambdaSlots(options.accountId, options.region);
      try {
        if (slot.inFlight >= (options.lambdaConcurrency ?? DEFAULT_LAMBDA_CONCURRENCY)) {
          stats.throttledInvocations++;
          throw new NamedError('Lambda.TooManyRequestsException', 'Rate Exceeded. (concurrent executions limit)');
        }
        const leaveEnv = enterEnv(options.env);
        slot.inFlight++;
        const output = await scheduler
          .busy(async () => {
            stats.invocations[fn] = (stats.invocations[fn] ?? 0) + 1;
            const result = await handler(payload, {
              invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:backup-pipeline-${fn}`,
              awsRequestId: randomUUID(),
              functionName: `backup-pipeline-${fn}`,
            });
            const crash = options.crash?.(fn, payload, result);
            if (crash) throw crash;
            return result;
          })
          .finally(() => {
            slot.inFlight--;
            leaveEnv();
          });
        attempts.delete(key);
        result = { Payload: output };
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
      if (payloadBytes(result) > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(stateName, 'result');
      return result;
    };
  }

  // Every execution's states, synchronously as they happen (execution-limits.ts): counts, and AWS's limits.
  const processors = processorsOf(definition);
  const mapRuns = new Map<string, { total: number; failed: number }>();
  const childHistories: { events: number; map: string }[] = [];
  const parentHistory = {
    get events() {
      return stats.parentHistoryEvents;
    },
    set events(value: number) {
      stats.parentHistoryEvents = value;
    },
  };
  const measure = (state: string, value: unknown, what: 'input' | 'result') => {
    const size = payloadBytes(value);
    if (size > stats.payloadHighWaterBytes) stats.payloadHighWaterBytes = size;
    if (size > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(state, what);
  };
  const hooks: ExecutionHooks = {
    begin(processorOrRoot, childInput) {
      const mapState = processors.get(processorOrRoot);
      const map = mapState ? states.get(mapState)?.map : undefined;
      // A DISTRIBUTED child is an execution of its own, with its own history; inline iterations are the parent's.
      const child = mapState && map?.distributed ? { events: 2, map: mapState } : undefined;
      const history = child ?? parentHistory;
      if (child) childHistories.push(child);
      const addEvents = (count: number) => {
        history.events += count;
        if (history.events > HISTORY_LIMIT_EVENTS) throw historyLimitReached();
      };
      return {
        stateEntered(state, _type, input) {
          const info = states.get(state);
          if (!info) return;
          stats.transitions++;
          addEvents(historyEventsFor(info.type));
          measure(state, input, 'input');
          if (info.map) {
            const items = info.map.itemsKey
              ? localItems[info.map.itemsKey]
              : info.map.itemsPath
                ? atPath(input, info.map.itemsPath)
                : undefined;
            mapRuns.set(state, { total: Array.isArray(items) ? items.length : 0, failed: 0 });
            mapResults.set(state, { succeeded: [], failed: [] });
          }
        },
        stateExited(state, _type, output) {
          // A ResultWriter's step ends its Map: what it returns is the Map's result in AWS.
          const owner = hidden.get(state)?.map ?? state;
          if (states.has(owner)) measure(owner, output, 'result');
        },
        stateRetried(state) {
          if (!states.has(state)) return;
          stats.retries++;
          stats.transitions++;
          addEvents(3);
        },
        ...(map?.distributed && mapState
          ? {
              succeeded(output: unknown) {
                mapResults.get(mapState)?.succeeded.push({ input: childInput, output });
              },
              // A failed child is a failed item of the Map Run: the Map fails only past its tolerance.
              failed(error: unknown) {
                const run = mapRuns.get(mapState) ?? { total: 0, failed: 0 };
                run.failed++;
                const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = map;
                const over =
                  count === undefined && percentage === undefined
                    ? run.failed > 0
                    : (count !== undefined && run.failed > count) ||
                      (percentage !== undefined && (run.failed / Math.max(run.total, 1)) * 100 > percentage);
                if (over)
                  throw new NamedError(
                    'States.ExceedToleratedFailureThreshold',
                    `The Map Run of "${mapState}" failed: ${run.failed} of ${run.total} items failed, past its tolerated failure threshold.`,
                  );
                const cause = ((error as { cause?: Error }).cause ?? error) as Error;
                mapResults.get(mapState)?.failed.push({ input: childInput, error: cause.name, cause: cause.message });
                return {
                  value: {
                    Error: cause.name,
                    Cause: cause.message,
                    Input: JSON.stringify(childInput),
                    Status: 'FAILED',
                  },
                };
              },
            }
          : {}),
      };
    },
  };

  const machine = stateMachineOf(localized.definition, definition);
  const retryOverrides: Record<string, number> = {};
  for (const [stateName, info] of states) if (info.retry.length > 0) retryOverrides[stateName] = 0;

  const execution = machine.run(options.input as Json as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides: retryOverrides },
    ...({ sandboxHooks: hooks } as object),
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        StartTime: startedAt.toISOString(),
        Input: options.input as never,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      // Shallow-copied into every execution's context: the same object, filled by the ItemReader steps.
      [LOCAL_ITEMS]: localItems,
    },
    noThrowOnAbort: false,
  });
  if (options.abortSignal) options.abortSignal.addEventListener('abort', () => execution.abort(), { once: true });

  const events: ExecutionResult['events'] = [];
  const record = (historyEvent: RunnerEvent) => {
    events.push(historyEvent);
    options.onHistoryEvent?.(historyEvent);
  };
  // A ResultWriter Map's exit waits for its writer step: in AWS the Map exits once, with the writer's output.
  const writers = new Map([...hidden.values()].filter((h) => h.kind === 'write-results').map((h) => [h.name, h.map]));
  const heldExits = new Map<string, RunnerEvent>();
  const consume = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as {
        type: string;
        timestamp: number;
        index?: number;
        state?: { name: string; input?: unknown; output?: unknown };
      };
      const stateName = e.state?.name;
      // The hidden ItemReader / ResultWriter steps are part of the Map in AWS: no events of their own.
      if (stateName && hidden.has(stateName)) {
        const map = writers.get(stateName);
        const held = map ? heldExits.get(map) : undefined;
        if (map && held && e.type !== 'StateEntered') {
          heldExits.delete(map);
          record(
            e.type === 'StateExited' && e.state?.output !== undefined ? { ...held, output: e.state.output } : held,
          );
        }
        continue;
      }
      const info = stateName ? states.get(stateName) : undefined;
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
        if (historyEvent.type === 'StateExited' && stateName && [...writers.values()].includes(stateName))
          heldExits.set(stateName, historyEvent);
        else record(historyEvent);
      }
      options.onEvent?.({
        type: e.type,
        ...(stateName ? { state: stateName } : {}),
        ...(e.index !== undefined ? { index: e.index } : {}),
      });
    }
    for (const held of heldExits.values()) record(held);
  })();

  try {
    const output = await execution.result;
    await consume;
    collectChildHistories(stats, childHistories);
    return { status: 'SUCCEEDED', output, startedAt, stoppedAt: scheduler.now(), stats, events };
  } catch (error) {
    await consume.catch(() => undefined);
    collectChildHistories(stats, childHistories);
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
