/**
 * The backup workflow: statemachines/backup.asl.json inlined (so assertions and the local runner see
 * the same definition) with each `${XFunctionArn}` substituted, STANDARD, logging everything to a
 * vended log group, traced. Its role may invoke the pipeline functions and run, stop and redrive its
 * own Distributed Map children; that data is applied with every other permission in ./permissions.ts.
 * The log group is created beside the machine, in the stack, keeping its deployed logical ID.
 *
 * The restore workflow (statemachines/restore.asl.json) is the same construct over its own file: each
 * machine substitutes, and may invoke, only the functions its ASL names.
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
export const RESTORE_ASL_FILE = join(__dirname, '..', '..', 'statemachines', 'restore.asl.json');

export interface BackupStateMachineProps {
  stateMachineName: string;
  /** At least the functions its ASL invokes (a recovery stack has only the restore ones). */
  functions: Readonly<Partial<Record<FunctionName, PipelineFunction>>>;
  logRetention: RetentionDays;
  /** Default: the backup workflow. */
  aslFile?: string;
  /** Id of its log group (default: the backup machine's deployed one). */
  logGroupId?: string;
  comment?: string;
}

/** The functions an ASL invokes: those whose `${...FunctionArn}` placeholder it contains. */
export function functionsNamedIn(definition: string): FunctionName[] {
  return FUNCTION_NAMES.filter((name) => definition.includes(`\${${placeholderOf(name)}}`));
}

export class BackupStateMachine extends StateMachine {
  private readonly functions: Record<FunctionName, PipelineFunction>;
  /** The configured name (stateMachineName is a token), which the role's ARNs are built from. */
  private readonly configuredName: string;
  /** Whether its ASL has a Distributed Map (child executions of itself). */
  private readonly distributed: boolean;

  constructor(scope: Construct, id: string, props: BackupStateMachineProps) {
    const { stateMachineName, functions, logRetention } = props;
    const definition = readFileSync(props.aslFile ?? ASL_FILE, 'utf8');
    const invoked = functionsNamedIn(definition);
    const functionOf = (name: FunctionName): PipelineFunction => {
      const fn = functions[name];
      if (!fn) throw new Error(`${stateMachineName} invokes ${name}, which this stack does not define`);
      return fn;
    };
    const logs = new LogGroup(scope, props.logGroupId ?? 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        invoked.map((name) => [placeholderOf(name), functionOf(name).function.functionArn]),
      ),
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: props.comment ?? 'backup-pipeline: plan, back up each resource, summarize, notify, apply retention',
    });
    this.functions = Object.fromEntries(invoked.map((name) => [name, functionOf(name)])) as Record<
      FunctionName,
      PipelineFunction
    >;
    this.configuredName = stateMachineName;
    this.distributed = definition.includes('"ItemReader"');
  }

  /** The machine role's grants: its tasks' functions, and its own child executions and map runs. */
  permissions(): PermissionSet<'state-machine'>;
  permissions<H extends string>(holder: H): PermissionSet<H>;
  permissions(holder = 'state-machine'): PermissionSet<string> {
    const states = (resource: string) => `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:${resource}`;
    // The Distributed Map runs each resource as a child execution of this state machine.
    const executions = states(`execution:${this.configuredName}/*`);
    const invocations = Object.values(this.functions).map((fn) => fn.function.functionArn);
    const invoke = invocations.map((arn) => ({ actions: ['lambda:InvokeFunction'], resources: [arn, `${arn}:*`] }));
    return {
      [holder]: {
        grants: [
          ...invoke,
          // Only a machine with a Distributed Map runs child executions of itself.
          ...(this.distributed
            ? [
                { actions: ['states:StartExecution'], resources: [states(`stateMachine:${this.configuredName}`)] },
                // RedriveExecution on the children (execution:<machine>/<label>:*), as "IAM permissions to
                // redrive a Map Run" documents: a redriven run reruns its failed children.
                {
                  actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
                  resources: [executions],
                },
              ]
            : []),
        ],
        wildcards: {
          '*': 'Log delivery and X-Ray actions of the state machine have no resource-level permissions.',
          ...Object.fromEntries(
            invocations.map((arn) => [
              `${arn}:*`,
              'Invoking the pipeline function by version or alias (<function ARN>:*), as the Lambda integration may.',
            ]),
          ),
          ...(this.distributed
            ? {
                [executions]:
                  'The Distributed Map starts (and a redrive reruns) one child execution per resource, named at run time.',
              }
            : {}),
        },
      },
    };
  }
}
