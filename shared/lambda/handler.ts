/**
 * The thin-handler wrapper: parses the event with zod, adds Lambda context and the run/resource as
 * persistent log keys (and X-Ray annotations), traces the invocation as Powertools' captureLambdaHandler
 * does, flushes metrics, and lets named errors through untouched (they are the ASL contract). Domain
 * code never sees the Lambda event shape.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { PipelineError } from '../errors';
import { logger, metrics, tracer } from './powertools';

export interface HandlerContext {
  /** Account id of the function (from its ARN), used to build resource ARNs. */
  accountId: string;
  /** Milliseconds left before Lambda's timeout (no limit outside Lambda); a task that works in passes stops in time. */
  remainingMs: () => number;
}

/** The run and resource an event names, for log keys and trace annotations (anything else reads as none). */
const eventKeysSchema = z
  .object({
    runId: z.string().optional().catch(undefined),
    resource: z
      .object({ arn: z.string().optional().catch(undefined) })
      .optional()
      .catch(undefined),
  })
  .catch({});

export function defineHandler<S extends z.ZodType, R>(
  name: string,
  schema: S,
  run: (event: z.infer<S>, context: HandlerContext) => Promise<R>,
): (event: unknown, context?: Partial<Context>) => Promise<R> {
  return async (event, context) => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      logger.error('invalid event', { handler: name, issues: parsed.error.issues });
      throw new TypeError(
        `${name}: invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const data = eventKeysSchema.parse(parsed.data);
    logger.resetKeys();
    logger.appendKeys({ handler: name, runId: data.runId, resource: data.resource?.arn });
    const accountId = context?.invokedFunctionArn?.split(':')[4] ?? process.env.AWS_ACCOUNT_ID ?? '000000000000';
    const trace = openTrace(name, data.runId, data.resource?.arn);
    try {
      // The result is not added to the trace (captureLambdaHandler's captureResponse): Plan's lists every
      // resource, past X-Ray's 64 KB per segment, and the execution history shows each task's output anyway.
      const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
      return await run(parsed.data, { accountId, remainingMs });
    } catch (error) {
      tracer?.addErrorAsMetadata(error as Error);
      // Named errors are the ASL contract (retried or recorded by the state machine): a warning, not an alarm.
      if (error instanceof PipelineError) logger.warn('task ended with a named error', { error: error as Error });
      else logger.error('task failed', { error: error as Error });
      throw error;
    } finally {
      trace?.close();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/**
 * The invocation's `## <handler>` subsegment, with the cold start, service, run and resource as
 * annotations (searchable in X-Ray: `annotation.runId = "..."`); the SDK calls nest under it. Powertools'
 * manual form of captureLambdaHandler (middy is not used here). Nothing at all when tracing is off.
 */
function openTrace(name: string, runId: string | undefined, resourceArn: string | undefined) {
  const active = tracer;
  if (!active?.isTracingEnabled()) return undefined;
  const segment = active.getSegment();
  if (!segment) return undefined;
  const subsegment = segment.addNewSubsegment(`## ${name}`);
  active.setSegment(subsegment);
  active.annotateColdStart();
  active.addServiceNameAnnotation();
  if (runId) active.putAnnotation('runId', runId);
  if (resourceArn) active.putAnnotation('resource', resourceArn);
  return {
    close() {
      subsegment.close();
      active.setSegment(segment);
    },
  };
}
