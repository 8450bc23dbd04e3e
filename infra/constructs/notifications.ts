/**
 * Where operators hear from the pipeline: the SNS topic (encrypted with its own rotating key, TLS
 * only, an optional e-mail subscription), the run notifications Notify publishes to it, and the
 * alarms that page through it (executions failed or timed out; per tier, failed backups, an overdue
 * run and resources past the RPO). The key and the alarms are created beside the topic, in the stack, not under it: their
 * logical IDs are the ones deployed stacks already have (tests/infra/logical-ids.test.ts), and a
 * changed ID would replace the key.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { TierConfig } from '../../shared/config';
import { ACCOUNT, PARTITION, type PermissionSet, REGION } from '../../shared/services/permission-set';
import { pipelineMetric } from './dashboard';

export interface NotificationsProps {
  /** Subscribed to the topic when set (cdk.json `notificationEmail`). */
  email: string | null | undefined;
}

export class Notifications extends Topic {
  readonly key: Key;
  /** Where the alarms go: beside the topic (see the header). */
  private readonly parent: Construct;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    const key = new Key(scope, `${id}Key`, {
      description: 'backup-pipeline notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    super(scope, id, { displayName: 'backup-pipeline', masterKey: key, enforceSSL: true });
    this.key = key;
    this.parent = scope;
    if (props.email) this.addSubscription(new EmailSubscription(props.email));
  }

  /** Notify publishes the run notification (encrypted: the key too) and puts the run's event on the default bus. */
  permissions(): PermissionSet {
    return {
      notify: {
        grants: [
          { actions: ['sns:Publish'], resources: [this.topicArn] },
          {
            actions: ['events:PutEvents'],
            resources: [`arn:${PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/default`],
          },
          { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] },
        ],
      },
      // Every restore and drill is notified on the same topic.
      'notify-restores': {
        grants: [
          { actions: ['sns:Publish'], resources: [this.topicArn] },
          { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] },
        ],
      },
    };
  }

  /**
   * The operator alarms: a run that failed or timed out, and per tier a run with failed backups, no run
   * started within the tier's RPO, and protected resources whose last good backup is past the RPO
   * (missing data pages too: the hourly check stopped).
   */
  alarmOn(machine: StateMachine, tiers: Record<string, TierConfig>): void {
    const action = new SnsAction(this);
    const alarm = (id: string, props: ConstructorParameters<typeof Alarm>[2]) =>
      new Alarm(this.parent, id, props).addAlarmAction(action);
    const whenAny = (metric: IMetric) => ({
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm('ExecutionsFailedAlarm', {
      alarmDescription:
        'A backup run failed: some backups did not complete. The run notification and the execution in the Step Functions console name each failed resource and why.',
      ...whenAny(machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' })),
    });
    alarm('ExecutionsTimedOutAlarm', {
      alarmDescription:
        'A backup run timed out before finishing. Inspect the execution in the Step Functions console; backups it started keep their expiry tags.',
      ...whenAny(machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' })),
    });
    for (const [tier, settings] of Object.entries(tiers)) {
      alarm(`BackupsFailedAlarm-${tier}`, {
        alarmDescription: `A ${tier} run finished with failed backups. Read the run notification or "backup-pipeline status <run>" for each resource and reason; docs/operations.md has the fixes.`,
        ...whenAny(pipelineMetric('BackupsFailedInRun', tier, 'Sum')),
      });
      if (settings.rpoHours === undefined) continue;
      // Not on the last successful run: at thousands of resources one failure fails every run, so that
      // alarm would stay raised. On the last run started: the schedule stopped (or never fired).
      alarm(`RunOverdueAlarm-${tier}`, {
        alarmDescription: `No ${tier} run has started for more than ${settings.rpoHours} hours (its RPO; before the first run, counted from the deploy), or the hourly freshness check stopped reporting. Check the ${tier} schedule (EventBridge Scheduler), the latest executions in the Step Functions console, "backup-pipeline runs", and the check-freshness logs.`,
        metric: pipelineMetric('HoursSinceLastRun', tier, 'Maximum', Duration.hours(1)),
        threshold: settings.rpoHours,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data means the check itself stopped: that must page too.
        treatMissingData: TreatMissingData.BREACHING,
      });
      // Per resource, not per run: counts the resources actually exposed.
      alarm(`ResourcesPastRpoAlarm-${tier}`, {
        alarmDescription: `Protected ${tier} resources whose last good backup is older than ${settings.rpoHours} hours (the tier's RPO), or the hourly freshness check stopped reporting. Run "backup-pipeline status --rpo" (worst first) and "backup-pipeline status <run>" for each one's latest error; docs/operations.md has the fixes.`,
        metric: pipelineMetric('ResourcesPastRpo', tier, 'Maximum', Duration.hours(1)),
        threshold: 0,
        // Two hourly periods: an hourly check that lands late in its hour leaves one period empty.
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // The check reports 0 for a tier that has not run yet, so no data means the check stopped (or
        // failed reading resources after publishing the run metrics): page.
        treatMissingData: TreatMissingData.BREACHING,
      });
    }
  }
}
