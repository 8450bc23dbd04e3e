/**
 * The operators' dashboard: runs, backups by type and tier, durations, polls, deletions, each tier's
 * time since its last run and last successful run, and per tier the protected resources past their RPO and the age
 * of the oldest last good backup. The metrics are the ones the functions
 * emit through Powertools (namespace and service in shared/names.ts).
 */
import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/names';

/** A pipeline metric of one tier (the dimensions the functions emit it with). */
export function pipelineMetric(metricName: string, tier: string, statistic: string, period = Duration.minutes(5)) {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, tier },
    statistic,
    period,
  });
}

/** Every series of a metric by resource type and tier, hourly. */
function byTypeAndTier(metricName: string, statistic: string): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},service,resourceType,tier} MetricName="${metricName}"', '${statistic}', 3600)`,
    label: metricName,
    period: Duration.hours(1),
  });
}

export interface PipelineDashboardProps {
  stackName: string;
  machine: StateMachine;
  tiers: string[];
}

export class PipelineDashboard extends Dashboard {
  constructor(scope: Construct, id: string, { stackName, machine, tiers }: PipelineDashboardProps) {
    super(scope, id, {
      dashboardName: `${stackName}-backups`,
      widgets: [
        [
          new TextWidget({
            markdown: `# ${stackName} backups\nRuns, backups by type and tier, freshness against each tier's RPO. Runbook: docs/operations.md.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'Executions, and starts skipped while the tier still ran (right)',
            left: [machine.metricSucceeded(), machine.metricFailed(), machine.metricTimedOut()],
            // Skipped starts succeed as executions: only this series shows a tier whose runs outlast its schedule.
            right: tiers.map((t) => pipelineMetric('RunsSkipped', t, 'Sum', Duration.hours(1))),
            rightYAxis: { label: 'skipped', min: 0 },
            width: 12,
          }),
          new SingleValueWidget({
            title: 'Hours since last run (alarms past the RPO) and last successful run (whole run)',
            metrics: ['HoursSinceLastRun', 'HoursSinceLastSuccessfulRun'].flatMap((name) =>
              tiers.map((t) => pipelineMetric(name, t, 'Maximum', Duration.hours(1))),
            ),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Resources past their RPO (alarms above 0)',
            left: tiers.map((t) => pipelineMetric('ResourcesPastRpo', t, 'Maximum', Duration.hours(1))),
            right: tiers.map((t) => pipelineMetric('ProtectedResources', t, 'Maximum', Duration.hours(1))),
            rightYAxis: { label: 'protected', min: 0 },
            width: 12,
          }),
          new GraphWidget({
            title: 'Oldest last good backup (hours)',
            left: tiers.map((t) => pipelineMetric('OldestRecoveryPointAgeHours', t, 'Maximum', Duration.hours(1))),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Backups succeeded by type and tier',
            left: [byTypeAndTier('BackupsSucceeded', 'Sum')],
            width: 12,
          }),
          new GraphWidget({
            title: 'Backups failed by type and tier',
            left: [byTypeAndTier('BackupsFailed', 'Sum')],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Backup duration (s)',
            left: [byTypeAndTier('BackupDuration', 'Average')],
            width: 8,
          }),
          new GraphWidget({ title: 'Polls per backup', left: [byTypeAndTier('PollsPerBackup', 'Average')], width: 8 }),
          new GraphWidget({
            title: 'Snapshots deleted by retention',
            left: [
              new Metric({
                namespace: METRICS_NAMESPACE,
                metricName: 'SnapshotsDeleted',
                dimensionsMap: { service: SERVICE_NAME },
                statistic: 'Sum',
                period: Duration.hours(1),
              }),
            ],
            width: 8,
          }),
        ],
      ],
    });
  }
}
