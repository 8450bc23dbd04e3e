/**
 * The thin-handler wrapper: parses the event with zod, adds Lambda context and the run/resource as
 * persistent log keys, flushes metrics, and lets named errors through untouched (they are the ASL
 * contract). Domain code never sees the Lambda event shape.
 */
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { PipelineError } from '../errors';
import { logger, metrics } from './powertools';

export interface HandlerContext {
  /** Account id of the function (from its ARN), used to build resource ARNs. */
  accountId: string;
}

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
    const data = parsed.data as { runId?: string; resource?: { arn?: string } };
    logger.resetKeys();
    logger.appendKeys({ handler: name, runId: data.runId, resource: data.resource?.arn });
    const accountId = context?.invokedFunctionArn?.split(':')[4] ?? process.env.AWS_ACCOUNT_ID ?? '000000000000';
    try {
      return await run(parsed.data, { accountId });
    } catch (error) {
      // Named errors are the ASL contract (retried or recorded by the state machine): a warning, not an alarm.
      if (error instanceof PipelineError) logger.warn('task ended with a named error', { error: error as Error });
      else logger.error('task failed', { error: error as Error });
      throw error;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
