/**
 * What Step Functions enforces on every execution and aws-local-stepfunctions does not: 256 KiB of
 * state input or output (`States.DataLimitExceeded`, which no Retry or Catch handles, `States.ALL`
 * included), 25,000 history events per execution (`States.Runtime`), and a Distributed Map's
 * tolerated failures (a failed child execution is a failed item of the Map Run, not a failed Map).
 *
 * The library offers no per-state hook, so this module wraps its `StateMachine#execute`, which runs
 * every execution (the parent and each Map child): when the run options carry `sandboxHooks`, each
 * execution gets an observer that sees every state entered, exited and retried synchronously, as the
 * state machine moves, and may end the execution there. Without `sandboxHooks` nothing changes.
 */
import { StateMachine } from 'aws-local-stepfunctions';

/** Maximum input or output of a task, state or execution: 256 KiB of UTF-8. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** Maximum history of one Standard execution (each Distributed Map child has its own). */
export const HISTORY_LIMIT_EVENTS = 25_000;

export const payloadBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null));

/**
 * An error that ends the execution whatever its Retry and Catch say. aws-local-stepfunctions reads
 * `isRetryable` and `isCatchable` off the error before matching retriers and catchers.
 */
export class TerminalError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** `States.DataLimitExceeded` as AWS words it (the state's name where AWS names the state or task). */
export function dataLimitExceeded(state: string, what: 'result' | 'input'): TerminalError {
  return new TerminalError(
    'States.DataLimitExceeded',
    what === 'result'
      ? `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`
      : `The state/task '${state}' has an input with a size exceeding the maximum number of bytes service limit.`,
  );
}

export function historyLimitReached(): TerminalError {
  return new TerminalError(
    'States.Runtime',
    `The execution reached the maximum number of history events (${HISTORY_LIMIT_EVENTS}).`,
  );
}

/** Sees one execution's states as they happen; a method that throws ends that execution with the error. */
export interface ExecutionObserver {
  stateEntered(state: string, type: string, input: unknown): void;
  stateExited(state: string, type: string, output: unknown): void;
  stateRetried(state: string, type: string): void;
  /** The execution succeeded with `output` (a Map child: its result, for a ResultWriter). */
  succeeded?(output: unknown): void;
  /**
   * The execution failed with `error` (the library's ExecutionError; the state's error is its
   * `cause`). Return a value to hand the caller instead (a Map child whose failure the Map Run
   * tolerates), or undefined to let the failure stand. May throw another error instead.
   */
  failed?(error: unknown): { value: unknown } | undefined;
}

export interface ExecutionHooks {
  /** Called as each execution starts, with its definition (the root one, or a Map's ItemProcessor). */
  begin(definition: object, input: unknown): ExecutionObserver;
}

type Logger = {
  dispatchStateEnteredEvent(name: string, type: string, input: unknown): void;
  dispatchStateExitedEvent(name: string, type: string, input: unknown, output: unknown): void;
  dispatchStateRetriedEvent(name: string, type: string, input: unknown, retrier: unknown, attempt: unknown): void;
};
type ExecuteOptions = { runOptions?: { sandboxHooks?: ExecutionHooks }; eventLogger: Logger };
type Execute = (this: { definition: object }, input: unknown, options: ExecuteOptions, cleanup: () => void) => unknown;

let installed = false;

/** Wraps `StateMachine#execute` once per process; a no-op for runs without `sandboxHooks`. */
export function installExecutionHooks(): void {
  if (installed) return;
  installed = true;
  const prototype = StateMachine.prototype as unknown as { execute: Execute };
  const original = prototype.execute;
  prototype.execute = async function (this: { definition: object }, input, options, cleanup) {
    const hooks = options.runOptions?.sandboxHooks;
    if (!hooks) return original.call(this, input, options, cleanup);
    const observer = hooks.begin(this.definition, input);
    const logger = options.eventLogger;
    const entered = logger.dispatchStateEnteredEvent.bind(logger);
    const exited = logger.dispatchStateExitedEvent.bind(logger);
    const retried = logger.dispatchStateRetriedEvent.bind(logger);
    // Each is called inside the execution's own try: a throw fails the execution, past every Catch.
    logger.dispatchStateEnteredEvent = (name, type, stateInput) => {
      observer.stateEntered(name, type, stateInput);
      entered(name, type, stateInput);
    };
    logger.dispatchStateExitedEvent = (name, type, stateInput, output) => {
      observer.stateExited(name, type, output);
      exited(name, type, stateInput, output);
    };
    logger.dispatchStateRetriedEvent = (name, type, stateInput, retrier, attempt) => {
      observer.stateRetried(name, type);
      retried(name, type, stateInput, retrier, attempt);
    };
    try {
      const output = await original.call(this, input, options, cleanup);
      observer.succeeded?.(output);
      return output;
    } catch (error) {
      const instead = observer.failed?.(error);
      if (instead) return instead.value;
      throw error;
    }
  } as Execute;
}
