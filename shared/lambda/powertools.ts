/**
 * Powertools singletons: every handler logs and emits metrics through these, so the service name
 * and namespace live in one place (POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE override).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

import { METRICS_NAMESPACE, SERVICE_NAME } from '../names';

export { METRICS_NAMESPACE, SERVICE_NAME };

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

/** The narrow logging surface domain code receives (handlers pass `logger`). */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
