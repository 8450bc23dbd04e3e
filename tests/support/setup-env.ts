// Every test runs offline with fake credentials and a fixed region; nothing may reach AWS.
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Throttling must reach the state machine's Retry (modelled on the virtual clock), not the SDK's real-time back-off.
process.env.AWS_MAX_ATTEMPTS ??= '1';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); the runner's polyfill covers Node 20.
import '../../local/polyfills';

// aws-cdk-lib's built-in CloudFormation template validation only warns, and costs a third of each synth's
// CPU: tests/infra/cloudformation-validation.test.ts runs it strictly on the whole app, once per shape.
process.env.CDK_VALIDATION ??= 'false';
