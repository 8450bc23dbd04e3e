/**
 * The backup workflow: statemachines/backup.asl.json inlined (so assertions and the local runner see
 * the same definition) with each `${XFunctionArn}` substituted, STANDARD, logging everything to a
 * vended log group, traced. Its role may invoke the pipeline functions and run, stop and redrive its
 * own Distributed Map children; that data is applied with every other permission in ./permissions.ts.
 * The log group is created beside the machine, in the stack, keeping its deployed logical ID.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FUNCTION_NAMES, type FunctionName, placeholderOf } from '../../shared/lambda/function-env';
import { ACCOUNT, PARTITION, type PermissionSet, REGION } from '../../shared/services/permission-set';
import type { PipelineFunction } from './pipeline-function';

export const ASL_FILE = join(__dirname, '..', '..', 'statemachines', 'backup.asl.json');

export interface BackupStateMachineProps {
  stateMachineName: string;
  functions: Record<FunctionName, PipelineFunction>;
  logRetention: RetentionDays;
}

export class BackupStateMachine extends StateMachine {
  private readonly functions: Record<FunctionName, PipelineFunction>;
  /** The configured name (stateMachineName is a token), which the role's ARNs are built from. */
  private readonly configuredName: string;

  constructor(scope: Construct, id: string, { stateMachineName, functions, logRetention }: BackupStateMachineProps) {
    const logs = new LogGroup(scope, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(readFileSync(ASL_FILE, 'utf8')),
      definitionSubstitutions: Object.fromEntries(
        FUNCTION_NAMES.map((name) => [placeholderOf(name), functions[name].function.functionArn]),
      ),
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: 'backup-pipeline: plan, back up each resource, summarize, notify, apply retention',
    });
    this.functions = functions;
    this.configuredName = stateMachineName;
  }

  /** The machine role's grants: its tasks' functions, and its own child executions and map runs. */
  permissions(): PermissionSet<'state-machine'> {
    const states = (resource: string) => `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:${resource}`;
    // The Distributed Map runs each resource as a child execution of this state machine.
    const executions = states(`execution:${this.configuredName}/*`);
    const mapRuns = states(`mapRun:${this.configuredName}/*`);
    const invocations = Object.values(this.functions).map((fn) => fn.function.functionArn);
    return {
      'state-machine': {
        grants: [
          ...invocations.map((arn) => ({ actions: ['lambda:InvokeFunction'], resources: [arn, `${arn}:*`] })),
          { actions: ['states:StartExecution'], resources: [states(`stateMachine:${this.configuredName}`)] },
          { actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] },
          { actions: ['states:RedriveExecution'], resources: [mapRuns] },
        ],
        wildcards: {
          '*': 'Log delivery and X-Ray actions of the state machine have no resource-level permissions.',
          ...Object.fromEntries(
            invocations.map((arn) => [
              `${arn}:*`,
              'Invoking the pipeline function by version or alias (<function ARN>:*), as the Lambda integration may.',
            ]),
          ),
          [executions]: 'The Distributed Map starts one child execution per resource, named at run time.',
          [mapRuns]: 'Map runs are named at run time; redrive of a map run is scoped to this state machine.',
        },
      },
    };
  }
}
