/**
 * What the program definition (cli/index.ts) needs before any command runs: the option parsers of
 * `local` and the figures its help names. Kept apart from the commands, which load the AWS SDK and the
 * sandbox, so `backup-pipeline --help` (or a bad option) loads none of them.
 */
import type { z } from 'zod';
import type { FleetSpec } from '../local/sandbox';
import { SandboxError } from '../local/sandbox-error';
import { describeIssues, drillPlacementSchema, regionsSchema } from '../shared/config';
import { CliError } from './errors';

/** How far back the status overview looks for restores and drills. */
export const RECENT_RESTORE_DAYS = 7;

/** `demo`, `none`, `N`, or `N:MIN-MAX` (seconds, e.g. `100:60-86400`). */
export function parseFleet(text: string): FleetSpec {
  if (text === 'demo') return { kind: 'demo' };
  if (text === 'none') return { kind: 'none' };
  const match = /^(\d+)(?::(\d+)-(\d+))?$/.exec(text);
  if (!match)
    throw new SandboxError(`bad --fleet "${text}": use demo, none, N or N:MIN-MAX (seconds), e.g. 100:60-86400`);
  const size = Number(match[1]);
  const minSeconds = match[2] ? Number(match[2]) : 60;
  const maxSeconds = match[3] ? Number(match[3]) : 86_400;
  if (size < 1 || size > 10_000) throw new SandboxError(`bad --fleet "${text}": N must be between 1 and 10000`);
  if (minSeconds < 1 || maxSeconds < minSeconds) throw new SandboxError(`bad --fleet "${text}": need 1 <= MIN <= MAX`);
  return { kind: 'generated', size, minSeconds, maxSeconds };
}

/** `eu-west-1,us-east-1`: region names, each once, checked as cdk.json's `regions` is. */
export function parseRegions(text: string): string[] {
  const parsed = regionsSchema.safeParse(text.split(',').map((r) => r.trim()));
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, 'regions').map((i) => `${i.field}: ${i.message}`);
    throw new SandboxError(`bad --regions "${text}": ${issues.join('; ')}`);
  }
  return parsed.data ?? [];
}

/**
 * `--placement '{"dbSubnetGroupName":"dr-private"}'`: where a restore goes in its region (subnet, security
 * groups, DB subnet, parameter and option groups), checked as the restore input's placement is.
 */
export function parsePlacement(text: string): z.infer<typeof drillPlacementSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SandboxError(`bad --placement: expected JSON such as '{"dbSubnetGroupName":"dr-private"}'`);
  }
  const parsed = drillPlacementSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, 'placement').map((i) => `${i.field}: ${i.message}`);
    throw new SandboxError(`bad --placement: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** `--application app=orders,env=prod`: the tags that select an application's resources (all of them). */
export function parseApplicationTags(text: string): Record<string, string> {
  // A Map, not `key in {}`: a tag key may be any string, `constructor` and `__proto__` included.
  const tags = new Map<string, string>();
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (!key) throw new SandboxError(`bad --application "${text}": use key=value[,key=value], e.g. app=orders`);
    if (tags.has(key)) throw new SandboxError(`bad --application "${text}": ${key} is named twice`);
    tags.set(key, pair.slice(at + 1).trim());
  }
  return Object.fromEntries(tags);
}

/**
 * `--order rds-instance,aurora-cluster/ec2-instance`: an application's restore waves, `/` between waves
 * and `,` between the types of one (checked, type names and each type once, as the restore input is).
 */
export function parseOrder(text: string): string[][] {
  return text.split('/').map((wave) =>
    wave
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  );
}

/**
 * `status`'s views are one at a time: the overview, a run (`--retention` with it), `--rpo` (`--runs` with it)
 * or `--rto`. A flag that belongs to another view is refused, naming it, rather than quietly ignored
 * (commander refuses `--rpo --rto` itself).
 */
export function statusFlags(
  run: string | undefined,
  opts: { rpo?: boolean; rto?: boolean; retention?: boolean; runsGiven?: boolean },
): void {
  const view = opts.rpo ? '--rpo' : opts.rto ? '--rto' : undefined;
  if (run && view)
    throw new CliError(
      `${view} shows every tier, not one run: give no run with it (or drop ${view} to see run ${run})`,
    );
  if (opts.retention && !run)
    throw new CliError(
      '--retention lists the decisions of one run: give its run id (backup-pipeline status <run> --retention)',
    );
  if (opts.runsGiven && !opts.rpo) throw new CliError('--runs sets how many runs --rpo lists: use it with --rpo');
}
