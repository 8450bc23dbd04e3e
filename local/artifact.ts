/**
 * The deployable artifact, loaded for the sandbox: synthesizes the CDK app in-process with bundling on
 * (what `cdk synth` builds) into a temporary cloud assembly, then follows the template's own wiring,
 * never the project's source layout: the state machine's definition substitutions name the Lambda
 * behind each `${XFunctionArn}` the ASL invokes, and that resource names its asset directory
 * (`aws:asset:path`), its `Handler`, `Timeout` and `MemorySize`. Each bundle is loaded from its asset
 * and called through Lambda's calling convention with those limits, so a bundling, packaging or
 * handler-path mistake fails here as it would fail in AWS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/bin/app';
import { FUNCTION_NAMES, type FunctionName, placeholderOf } from '../shared/lambda/function-env';
import type { LocalHandler } from './handlers';
import { invokeAsLambda, type LambdaHandler } from './lambda-runtime';
import { loadDefinition, RESTORE_ASL_PATH } from './runner';

/** One Lambda of the synthesized template, as the state machine reaches it. */
export interface DeployedFunction {
  logicalId: string;
  /** The asset directory Lambda would unpack to /var/task. */
  assetDir: string;
  /** `Handler` of the resource: `<module>.<export>`. */
  handler: string;
  /** The file the handler's module resolves to in the asset. */
  file: string;
  runtime: string;
  timeoutSeconds: number;
  memorySize: number;
  /** Size of the bundle file (the deployed code, without its source map). */
  bundleBytes: number;
}

export interface Artifact {
  outdir: string;
  /** The synthesized stack template (CloudFormation JSON). */
  templateFile: string;
  /** Wall time of the synth, bundling included. */
  synthMs: number;
  functions: Record<FunctionName, DeployedFunction>;
  /** Each function's bundle behind Lambda's calling convention: a drop-in for local/handlers.ts HANDLERS. */
  handlers: Record<FunctionName, LocalHandler>;
  /** Each function's exported handler as loaded from its bundle, without the convention (for tests). */
  bundles: Record<FunctionName, LambdaHandler>;
  /** Deletes the temporary cloud assembly. */
  close(): void;
}

/** A mistake in the artifact: the test or `npm start` fails with it, naming what is wrong. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

type CfnResource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

/** Node.js resolves a handler module `index` to index.js, index.mjs or index.cjs in the task root. */
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** Lambda's default timeout and memory when a resource omits them. */
const LAMBDA_DEFAULTS = { timeoutSeconds: 3, memorySize: 128 };

/**
 * Reads the deployed functions from a synthesized template: the Lambda each ASL placeholder is
 * substituted with, and its asset in `outdir`.
 */
export function deployedFunctions(
  template: { Resources?: Record<string, CfnResource> },
  outdir: string,
): Record<FunctionName, DeployedFunction> {
  const resources = template.Resources ?? {};
  const machines = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::StepFunctions::StateMachine' &&
      JSON.stringify(r.Properties?.DefinitionString ?? '').includes('FunctionArn'),
  );
  // The sandbox runs statemachines/*.asl.json: each deployed machine must be one of them, verbatim.
  const files = {
    [JSON.stringify(loadDefinition())]: 'backup',
    [JSON.stringify(loadDefinition(RESTORE_ASL_PATH))]: 'restore',
  };
  const found = new Set<string>();
  const substitutions: Record<string, unknown> = {};
  const used = new Set<string>();
  for (const [machineId, machine] of machines) {
    const definition = machine.Properties?.DefinitionString;
    if (typeof definition !== 'string') {
      throw new ArtifactError(`${machineId}: DefinitionString is not inlined (${JSON.stringify(definition)})`);
    }
    const which = files[JSON.stringify(JSON.parse(definition))];
    if (!which)
      throw new ArtifactError(`${machineId}: the deployed definition differs from every statemachines/*.asl.json`);
    found.add(which);
    Object.assign(substitutions, machine.Properties?.DefinitionSubstitutions ?? {});
    for (const m of definition.matchAll(/\$\{([A-Za-z0-9]+)\}/g)) used.add(m[1] as string);
  }
  if (found.size !== 2) {
    throw new ArtifactError(
      `expected the backup and the restore state machines, found ${[...found].join(', ') || 'none'}`,
    );
  }

  const out = {} as Record<FunctionName, DeployedFunction>;
  for (const name of FUNCTION_NAMES) {
    const placeholder = placeholderOf(name);
    if (!used.has(placeholder)) throw new ArtifactError(`no definition invokes \${${placeholder}}`);
    const arn = substitutions[placeholder] as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const logicalId = arn?.['Fn::GetAtt']?.[0];
    if (!logicalId || arn?.['Fn::GetAtt']?.[1] !== 'Arn') {
      throw new ArtifactError(`\${${placeholder}} is not substituted with a function's Arn: ${JSON.stringify(arn)}`);
    }
    const resource = resources[logicalId];
    if (resource?.Type !== 'AWS::Lambda::Function') {
      throw new ArtifactError(`\${${placeholder}} points at ${logicalId}, which is ${resource?.Type ?? 'missing'}`);
    }
    const props = resource.Properties ?? {};
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new ArtifactError(`${logicalId} (${name}) has no aws:asset:path`);
    const assetDir = join(outdir, assetPath);
    if (!existsSync(assetDir) || !statSync(assetDir).isDirectory()) {
      throw new ArtifactError(`${logicalId} (${name}): asset ${assetDir} is missing`);
    }
    const handler = props.Handler;
    const match = typeof handler === 'string' ? /^(.+)\.([^./]+)$/.exec(handler) : null;
    if (!match)
      throw new ArtifactError(`${logicalId} (${name}): Handler ${JSON.stringify(handler)} is not module.export`);
    const file = HANDLER_EXTENSIONS.map((ext) => join(assetDir, `${match[1]}${ext}`)).find((f) => existsSync(f));
    if (!file) {
      throw new ArtifactError(`${logicalId} (${name}): Handler ${handler} names a module the asset does not contain`);
    }
    out[name] = {
      logicalId,
      assetDir,
      handler: handler as string,
      file,
      runtime: String(props.Runtime),
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : LAMBDA_DEFAULTS.timeoutSeconds,
      memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : LAMBDA_DEFAULTS.memorySize,
      bundleBytes: statSync(file).size,
    };
  }
  return out;
}

/** Loads a bundle as the runtime does: its module from the task root, then the named export. */
function loadHandler(fn: DeployedFunction, name: FunctionName): LambdaHandler {
  let module: Record<string, unknown>;
  try {
    module = require(fn.file) as Record<string, unknown>;
  } catch (error) {
    // E.g. a module the bundle left external that the runtime would not provide.
    throw new ArtifactError(`${fn.logicalId} (${name}): ${fn.file} does not load: ${(error as Error).message}`);
  }
  const exportName = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
  const handler = module[exportName];
  if (typeof handler !== 'function') {
    throw new ArtifactError(`${fn.logicalId} (${name}): ${fn.file} exports no function "${exportName}"`);
  }
  return handler as LambdaHandler;
}

/**
 * Synthesizes the app with bundling (about as long as `cdk synth`) and loads every bundle the state
 * machine invokes. `close()` removes the assembly; the loaded bundles stay in memory.
 */
export function synthesizeArtifact(options: { context?: Record<string, unknown> } = {}): Artifact {
  const outdir = mkdtempSync(join(tmpdir(), 'backup-pipeline-artifact-'));
  try {
    const started = performance.now();
    // As `cdk synth` does: cdk.json's context (the shipped drills' isolated placement among it, which
    // synth requires), and the template records each function's asset directory.
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
      context?: Record<string, unknown>;
    };
    const { app, stack } = buildApp(
      new App({
        outdir,
        context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true, ...options.context },
      }),
    );
    const assembly = app.synth();
    const synthMs = performance.now() - started;
    const templateFile = join(outdir, assembly.getStackByName(stack.stackName).templateFile);
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources?: Record<string, CfnResource> };
    const functions = deployedFunctions(template, outdir);
    const bundles = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [name, loadHandler(functions[name], name)]),
    ) as Record<FunctionName, LambdaHandler>;
    const handlers = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        invokeAsLambda(bundles[name], {
          timeoutSeconds: functions[name].timeoutSeconds,
          memorySize: functions[name].memorySize,
        }),
      ]),
    ) as Record<FunctionName, LocalHandler>;
    return {
      outdir,
      templateFile,
      synthMs,
      functions,
      handlers,
      bundles,
      close: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}
