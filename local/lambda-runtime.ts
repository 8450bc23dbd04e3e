/**
 * The Lambda runtime's calling convention, for every handler the sandbox invokes (the source handlers
 * of `npm start` and the deployed bundles of the artifact scenario alike), so what fails in Lambda
 * fails here the same way:
 * - the event and the result cross a JSON boundary (Lambda serializes both): a Date becomes a
 *   string, `undefined` disappears, a result that cannot be serialized fails;
 * - the context is Lambda's (request id, function ARN and name, memory, remaining time, log names);
 * - a thrown error surfaces under the name the Node.js runtime reports as `errorType` (`error.name`;
 *   `typeof` for a thrown non-Error), which is what a Task's `ErrorEquals` matches;
 * - a response over 6 MB fails as `Function.ResponseSizeTooLarge`;
 * - an invocation running past the function's Timeout fails as `Sandbox.Timedout`.
 * Time here is the wall clock: handler code runs at real speed, and the virtual clock stands still
 * while a handler runs.
 */
import type { Context } from 'aws-lambda';

/** Lambda's synchronous response limit: "6 MB" is 6,291,556 bytes of serialized JSON. */
export const RESPONSE_LIMIT_BYTES = 6_291_556;
/** Lambda's longest timeout (15 minutes). */
export const MAX_TIMEOUT_SECONDS = 900;

export interface FunctionLimits {
  /** The function's Timeout in seconds (1-900). */
  timeoutSeconds: number;
  /** The function's MemorySize in MB (reported in the context; not enforced). */
  memorySize: number;
}

/** A handler as Lambda calls it (an `async` Node.js handler). */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** What the runner passes for each invocation; the rest of the context is built here. */
export interface InvocationContext {
  invokedFunctionArn: string;
  awsRequestId: string;
  functionName: string;
}

/** A failed invocation, as Step Functions sees it: `name` is the error, `message` the cause. */
export class LambdaInvocationError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(errorMessage);
    // The runtime's errorType, not this class's: it is what ErrorEquals and Catch see.
    this.name = errorType;
  }
}

function roundTrip(value: unknown): { json: string; value: unknown } {
  // Lambda answers `null` for a handler that returns nothing.
  const json = JSON.stringify(value) ?? 'null';
  return { json, value: JSON.parse(json) };
}

/** The runtime's errorType and errorMessage for whatever the handler threw. */
function reported(thrown: unknown): LambdaInvocationError {
  if (thrown instanceof Error) return new LambdaInvocationError(thrown.name, thrown.message);
  return new LambdaInvocationError(typeof thrown, String(thrown));
}

/**
 * Wraps a handler in Lambda's calling convention with the function's limits. Lambda freezes a timed-out
 * invocation; here its promise is left to settle unobserved, so its outcome is ignored as Lambda
 * ignores it.
 */
export function invokeAsLambda(
  handler: LambdaHandler,
  limits: FunctionLimits,
): (event: unknown, invocation: InvocationContext) => Promise<unknown> {
  if (!(limits.timeoutSeconds >= 1 && limits.timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
    throw new Error(`a Lambda timeout is 1-${MAX_TIMEOUT_SECONDS} s, not ${limits.timeoutSeconds}`);
  }
  return async (event, invocation) => {
    const timeoutMs = limits.timeoutSeconds * 1000;
    const deadline = performance.now() + timeoutMs;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: invocation.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: invocation.invokedFunctionArn,
      memoryLimitInMB: String(limits.memorySize),
      awsRequestId: invocation.awsRequestId,
      logGroupName: `/aws/lambda/${invocation.functionName}`,
      logStreamName: `local/[$LATEST]${invocation.awsRequestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const input = roundTrip(event).value;

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LambdaInvocationError(
              'Sandbox.Timedout',
              `RequestId: ${invocation.awsRequestId} Error: Task timed out after ${limits.timeoutSeconds.toFixed(2)} seconds`,
            ),
          ),
        timeoutMs,
      );
    });
    const running = (async () => handler(input, context))();
    running.catch(() => undefined); // observed below, or abandoned after a timeout
    let result: unknown;
    try {
      result = await Promise.race([running, timedOut]);
    } catch (error) {
      if (error instanceof LambdaInvocationError && error.name === 'Sandbox.Timedout') throw error;
      throw reported(error);
    } finally {
      clearTimeout(timer);
    }

    let response: { json: string; value: unknown };
    try {
      response = roundTrip(result);
    } catch (error) {
      // A result JSON cannot hold (a cycle, a BigInt) fails the invocation instead of reaching the ASL.
      throw reported(error);
    }
    if (Buffer.byteLength(response.json) > RESPONSE_LIMIT_BYTES) {
      throw new LambdaInvocationError(
        'Function.ResponseSizeTooLarge',
        `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).`,
      );
    }
    return response.value;
  };
}
