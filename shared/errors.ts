/**
 * Named errors: the ASL contract (DESIGN §6). The `name` is what the state machine's `ErrorEquals`
 * matches, so renaming one is a breaking change to statemachines/backup.asl.json.
 * Handlers return expected outcomes as values and throw only these (or let SDK errors be mapped).
 */
import { serviceErrorCodes } from './services/catalog';

/**
 * Each subclass sets its `name` as a string literal: never derived from the class's own name, which a
 * minifier renames (`class ThrottledError` becomes `class l`) so that no `ErrorEquals` would match in AWS.
 */
export abstract class PipelineError extends Error {
  abstract override readonly name: string;
}

/**
 * AWS asked us to slow down, or failed transiently (a 5xx, a broken connection). ASL: retried with
 * exponential backoff and full jitter.
 */
export class ThrottledError extends PipelineError {
  override readonly name = 'ThrottledError';
}

/** A concurrency limit (pending snapshots, concurrent copies). ASL: retried with long intervals. */
export class LimitExceededError extends PipelineError {
  override readonly name = 'LimitExceededError';
}

/** A hard quota (e.g. 100 manual RDS snapshots). ASL: not retried; recorded and notified. */
export class QuotaExceededError extends PipelineError {
  override readonly name = 'QuotaExceededError';
}

/** The resource or backup no longer exists. ASL: not retried; recorded. */
export class ResourceNotFoundError extends PipelineError {
  override readonly name = 'ResourceNotFoundError';
}

/** The resource cannot be backed up in its current state (stopped, not `available`). ASL: not retried. */
export class InvalidResourceStateError extends PipelineError {
  override readonly name = 'InvalidResourceStateError';
}

/** The execution input is invalid. ASL: the execution fails at Plan; nothing is created. */
export class InvalidInputError extends PipelineError {
  override readonly name = 'InvalidInputError';
  readonly fields: readonly string[];
  /** Each bad field with its message, so a caller can merge the problems of several checks into one error. */
  readonly problems: readonly { field: string; message: string }[];
  constructor(problems: readonly { field: string; message: string }[]) {
    super(`Invalid execution input: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.fields = problems.map((p) => p.field);
    this.problems = [...problems];
  }
}

/**
 * A restore's target name is taken by a resource that restore did not make (an RDS identifier, a table,
 * an EC2 Name tag). ASL: not retried; recorded; nothing is touched, never overwritten.
 */
export class NameInUseError extends PipelineError {
  override readonly name = 'NameInUseError';
}

/**
 * The function is deployed wrong: its environment fails its schema, AWS_REGION is unset, or a mode lacks
 * a setting it needs. Retrying cannot mend it, so no Retry names it (nor ERROR_NAMES): where a Catch
 * (States.ALL) stands it is recorded as the task's failure, else the execution fails, as for any error.
 */
export class ConfigurationError extends PipelineError {
  override readonly name = 'ConfigurationError';
}

/**
 * The state table or an AWS answer says what cannot be: a run without its record, a run lock that keeps
 * changing hands, a create that answered no id, a retention unit of a kind no store holds. Not retried
 * by name (nor in ERROR_NAMES): a Catch (States.ALL) records it, else the execution fails.
 */
export class InconsistentStateError extends PipelineError {
  override readonly name = 'InconsistentStateError';
}

/**
 * The names the state machines match (ERROR_NAMES): renaming one breaks statemachines/*.asl.json.
 * ConfigurationError, InconsistentStateError and the workflow's own (RegionDiscoveryError,
 * RetentionIncompleteError, ...) are named for the logs and the run record, matched only by States.ALL.
 */
export const ERROR_NAMES = [
  'ThrottledError',
  'LimitExceededError',
  'QuotaExceededError',
  'ResourceNotFoundError',
  'InvalidResourceStateError',
  'InvalidInputError',
  'NameInUseError',
] as const;

/**
 * AWS error codes by the named error each becomes: the ones every service shares here, each service's
 * own in its catalog (shared/services/<service>/catalog.ts), gathered by shared/services/catalog.ts.
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  ...serviceErrorCodes('throttling'),
]);
const LIMITS = new Set(serviceErrorCodes('limits'));
/** Hard quotas: they do not pass by waiting. */
const QUOTAS = new Set(serviceErrorCodes('quotas'));
/**
 * Transient failures of AWS or the network: a server error (5xx) or a connection that broke. Retried
 * like throttling (ThrottledError: short backoff with jitter), never recorded as the resource's failure.
 */
const TRANSIENT = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'NetworkingError',
]);

/** True for an SDK error AWS answered with a 5xx, or one the SDK itself marks retryable (not a throttle). */
function isServerOrNetworkError(error: unknown, name: string | undefined): boolean {
  if (name !== undefined && TRANSIENT.has(name)) return true;
  if (typeof error !== 'object' || error === null) return false;
  // The SDK wraps a non-Error failure (a socket timeout) as "AWS SDK error wrapper for <name>: <message>".
  const message = propertyOf(error, 'message');
  const wrapped = typeof message === 'string' ? /^AWS SDK error wrapper for (\w+)/.exec(message)?.[1] : undefined;
  if (wrapped !== undefined && TRANSIENT.has(wrapped)) return true;
  const status = propertyOf(propertyOf(error, '$metadata'), 'httpStatusCode');
  return (
    (typeof status === 'number' && status >= 500) ||
    propertyOf(error, '$fault') === 'server' ||
    Boolean(propertyOf(error, '$retryable'))
  );
}
const NOT_FOUND = new Set(serviceErrorCodes('notFound'));
const NAME_IN_USE = new Set(serviceErrorCodes('nameInUse'));
const INVALID_STATE = new Set(serviceErrorCodes('invalidState'));

/** A property of a thrown value, read without a cast: SDK errors arrive in several shapes. */
export function propertyOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

/** Name of an AWS SDK v3 error, whichever shape it arrives in. */
export function awsErrorName(error: unknown): string | undefined {
  for (const key of ['Code', 'code', 'name']) {
    const value = propertyOf(error, key);
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Translates an AWS SDK error into the pipeline's named errors so the ASL can decide by name.
 * Errors that are already pipeline errors pass through; anything unrecognised is rethrown as is
 * (it surfaces as a task failure, caught and recorded by the state machine).
 */
export function toPipelineError(error: unknown, context: string): Error {
  if (error instanceof PipelineError) return error;
  const name = awsErrorName(error);
  const message = `${context}: ${name ?? 'Error'}: ${error instanceof Error ? error.message : String(error)}`;
  if (name !== undefined) {
    if (THROTTLING.has(name)) return new ThrottledError(message, { cause: error });
    if (LIMITS.has(name)) return new LimitExceededError(message, { cause: error });
    if (QUOTAS.has(name)) return new QuotaExceededError(message, { cause: error });
    if (NOT_FOUND.has(name)) return new ResourceNotFoundError(message, { cause: error });
    if (INVALID_STATE.has(name)) return new InvalidResourceStateError(message, { cause: error });
    if (NAME_IN_USE.has(name)) return new NameInUseError(message, { cause: error });
  }
  if (isServerOrNetworkError(error, name)) {
    return new ThrottledError(`${message} (a transient AWS or network failure: retried)`, { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}

/**
 * True when AWS answered a call with a refusal (a throttling, limit or resource-state code, retried as
 * ThrottledError or LimitExceededError): the request was not carried out. A 5xx or a broken connection
 * is not a refusal: the request may have been carried out.
 */
export function isRefusal(error: unknown): boolean {
  if (!(error instanceof ThrottledError || error instanceof LimitExceededError)) return false;
  const name = awsErrorName(error.cause);
  return name !== undefined && (THROTTLING.has(name) || LIMITS.has(name) || INVALID_STATE.has(name));
}

/**
 * Rethrows an AWS SDK error already caught (after the caller handled the codes it expects) as the named
 * pipeline error `aws()` would have made of it, so every SDK failure reaches the ASL under one mapping.
 */
export function rethrowAws(context: string, error: unknown): never {
  throw toPipelineError(error, context);
}

/** Runs an AWS call and maps its failure to a named pipeline error. */
export async function aws<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toPipelineError(error, context);
  }
}
