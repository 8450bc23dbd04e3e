/**
 * The one Lambda construct every pipeline function uses: Node.js 24 on arm64, bundled by the local
 * esbuild (no Docker), JSON logs into an explicit log group with retention, X-Ray tracing, and an own
 * role with no managed policies, so each function's IAM is exactly the statements ./permissions.ts grants it.
 * The environment is typed by the function's env schema (shared/lambda/function-env.ts).
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEPLOYED_SDK_MAX_ATTEMPTS,
  FUNCTION_LIMITS,
  FUNCTION_NAMES,
  type FunctionEnvironments,
  type FunctionName,
  placeholderOf,
} from '../../shared/lambda/function-env';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/names';

export const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** The Lambda runtime of every function; esbuild targets the same Node.js major. */
export const RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = `node${RUNTIME.name.replace(/\D/g, '')}`;

export interface PipelineFunctionProps<N extends keyof FunctionEnvironments> {
  name: N;
  environment: FunctionEnvironments[N];
  logRetention: RetentionDays;
  timeout?: Duration;
  memorySize?: number;
}

export class PipelineFunction<N extends keyof FunctionEnvironments = keyof FunctionEnvironments> extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps<N>) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `backup-pipeline ${props.name}: only the actions this function calls`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role = role;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(FUNCTIONS_DIR, `${props.name}.ts`),
      handler: 'handler',
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      tracing: Tracing.ACTIVE,
      description: `backup-pipeline: ${props.name}`,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Explicit, not the SDK's default: the sandbox runs the handlers with the same (local/sandbox.ts).
        AWS_MAX_ATTEMPTS: String(DEPLOYED_SDK_MAX_ATTEMPTS),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // The locked AWS SDK goes into the bundle: left external (NodejsFunction's default on Node 18+),
        // whatever SDK version the Lambda runtime ships would run in AWS, not the one the tests ran.
        externalModules: [],
        minify: true,
        // Class and function names survive minification (the error classes set their names as literals
        // too, shared/errors.ts): stack traces and logs stay readable, and no name the code reads changes.
        keepNames: true,
        sourceMap: true,
        target: ESBUILD_TARGET,
        format: OutputFormat.CJS,
        forceDockerBundling: false,
        // esbuild's per-bundle size report is noise in every synth and deploy; warnings and errors remain.
        logLevel: LogLevel.WARNING,
      },
    });
  }
}

const idOf = (name: keyof FunctionEnvironments) => placeholderOf(name).replace(/Arn$/, '');

/**
 * One PipelineFunction per named state-machine task, with its timeout and memory and the environment
 * its schema expects. Construct ids follow the ASL placeholders (`PlanRunFunction` for
 * `${PlanRunFunctionArn}`), which the deployed logical IDs keep. A recovery stack makes only the restore tasks.
 */
export function createTaskFunctions<N extends FunctionName>(
  scope: Construct,
  names: readonly N[],
  environments: FunctionEnvironments,
  logRetention: RetentionDays,
): Record<N, PipelineFunction> {
  return Object.fromEntries(
    names.map((name) => [
      name,
      new PipelineFunction(scope, idOf(name), {
        name,
        environment: environments[name],
        logRetention,
        timeout: Duration.seconds(FUNCTION_LIMITS[name].timeoutSeconds),
        memorySize: FUNCTION_LIMITS[name].memorySize,
      }),
    ]),
  ) as Record<N, PipelineFunction>;
}

/** Every state-machine task's function (createTaskFunctions) and the scheduled freshness check. */
export function createPipelineFunctions(
  scope: Construct,
  environments: FunctionEnvironments,
  logRetention: RetentionDays,
): { tasks: Record<FunctionName, PipelineFunction>; freshness: PipelineFunction<'check-freshness'> } {
  const tasks = createTaskFunctions(scope, FUNCTION_NAMES, environments, logRetention);
  const freshness = new PipelineFunction(scope, idOf('check-freshness'), {
    name: 'check-freshness',
    environment: environments['check-freshness'],
    logRetention,
  });
  return { tasks, freshness };
}
