/**
 * Powertools singletons: every handler logs, emits metrics and traces through these, so the service
 * name and namespace live in one place (POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE override).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

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
 * (shared/lambda/clients.ts) and the handler wrapper opens each invocation's subsegment. Outside Lambda
 * (tests, the local sandbox, the CLI) tracing is off: no X-Ray daemon is needed and nothing is printed.
 * POWERTOOLS_TRACE_ENABLED=false turns it off in Lambda too.
 */
export const tracer = new Tracer({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  enabled: inLambda,
  // Every SDK client is captured where it is made; capturing raw HTTPS as well would trace each AWS call
  // twice (an AWS subsegment and an HTTP one) and patch Node's global https module. No other HTTP is made.
  captureHTTPsRequests: false,
});

/** The narrow logging surface domain code receives (handlers pass `logger`). */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
