#!/usr/bin/env node
/**
 * The operator CLI, `backup-pipeline`. Commands: `local` (the sandbox; `npm start` runs it).
 * Built on commander; every command has --help; a usage or environment problem is one line on stderr
 * and a non-zero exit, never a stack trace.
 */
import '../local/process-defaults';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseFleet, runLocal } from '../local/local-command';
import { SandboxError } from '../local/sandbox';

const rate = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
};
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return n;
};
const fleet = (value: string) => {
  try {
    return parseFleet(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

export function buildProgram(): Command {
  const program = new Command('backup-pipeline')
    .description('Serverless backup orchestrator for AWS: run it locally, start and inspect runs.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('local')
    .description('Run the whole workflow locally against the sandbox (no AWS account needed)')
    .addOption(
      new Option('--fleet <spec>', 'demo, none, N or N:MIN-MAX seconds of snapshot time')
        .default(parseFleet('demo'), 'demo')
        .argParser(fleet),
    )
    .option('--tier <name>', 'tier to run (default: the configured default tier)')
    .option('--dry-run', 'plan and list what retention would delete; create and delete nothing', false)
    .addOption(new Option('--throttle-rate <r>', 'fraction of AWS calls throttled').default(0).argParser(rate))
    .addOption(new Option('--failure-rate <r>', 'fraction of snapshots that fail part-way').default(0).argParser(rate))
    .addOption(
      new Option('--crash-rate <r>', 'fraction of Create calls after which the handler crashes')
        .default(0)
        .argParser(rate),
    )
    .addOption(
      new Option('--time-scale <n>', 'pace simulated time at most n x real time; 0 = as fast as possible')
        .default(3600, '3600: one simulated hour per second')
        .argParser(nonNegative),
    )
    .addOption(new Option('--seed <n>', 'seed for the fleet and faults').default(42).argParser(positive))
    .option('--report <file>', 'write a machine-readable JSON report')
    .option('--endpoint <url>', 'use an AWS-compatible endpoint (e.g. LocalStack) instead of the built-in emulator')
    .addOption(new Option('--port <n>', 'port for the sandbox endpoint (default: a free one)').argParser(port))
    .option('--serve', 'keep the sandbox serving for the AWS CLI / SDKs instead of running once', false)
    .option('--quiet', 'no live progress lines', false)
    .action(async (opts) => {
      process.exitCode = await runLocal(opts);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof SandboxError) {
      process.stderr.write(`backup-pipeline: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`backup-pipeline: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => process.exit(code));
}
