/**
 * Powertools singletons: every handler logs, emits metrics and traces through these, so the service
 * name and namespace live in one place (POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE override).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

import { METRICS_NAMESPACE, SERVICE_NAME } from '../names';

export { METRICS_NAMESPACE, SERVICE_NAME };

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});
/**
 * Lambda's AWS_EXECUTION_ENV is `AWS_Lambda_<runtime>`. The Tracer alone enables itself whenever the
 * variable is set, and ECS (`AWS_ECS_FARGATE`) and CloudShell set it too: tests or the sandbox run
 * there would trace with no segment and print X-Ray's context errors on every SDK call.
 */
const inLambda = process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') ?? false;

/**
 * X-Ray: the stack turns active tracing on; every SDK client is captured where it is made
 * (shared/lambda/clients.ts) and the handler wrapper opens each invocation's subsegment.
 * Outside Lambda (tests, the local sandbox, the CLI) there is no tracer at all, and X-Ray's SDK is never
 * loaded: loading it creates its cls-hooked namespace, which installs process-wide async hooks (init and
 * destroy on every promise) whether tracing is on or not. In the sandbox, where every handler, dynalite and
 * the emulator share one process, that cost 70% of the wall time of a 1,000-resource run.
 * POWERTOOLS_TRACE_ENABLED=false turns tracing off in Lambda too.
 */
export const tracer: Tracer | undefined = inLambda ? createTracer() : undefined;

function createTracer(): Tracer {
  // A plain require, evaluated only here: the bundle keeps the module, its top level runs only in Lambda.
  const { Tracer: LambdaTracer } = require('@aws-lambda-powertools/tracer') as {
    Tracer: typeof Tracer;
  };
  return new LambdaTracer({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    // Every SDK client is captured where it is made; capturing raw HTTPS as well would trace each AWS call
    // twice (an AWS subsegment and an HTTP one) and patch Node's global https module. No other HTTP is made.
    captureHTTPsRequests: false,
  });
}

/** The narrow logging surface domain code receives (handlers pass `logger`). */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
