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
 * X-Ray: the stack turns active tracing on; every SDK client is captured where it is made
 * (shared/lambda/clients.ts) and the handler wrapper opens each invocation's subsegment. Outside Lambda
 * (no AWS_EXECUTION_ENV: tests, the local sandbox, the CLI) the Tracer disables itself: no X-Ray daemon
 * is needed and nothing is printed. POWERTOOLS_TRACE_ENABLED=false turns it off in Lambda too.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

/** The narrow logging surface domain code receives (handlers pass `logger`). */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
