/**
 * The execution input contract (DESIGN §3). Plan validates it before anything is written or created;
 * the CLI validates with the same function before it calls StartExecution.
 */
import { z } from 'zod';
import { copyTargetSchema, describeIssues, type TierConfig, tagMapSchema } from '../../config';
import { InvalidInputError } from '../../errors';
import { parseResourceArn, partitionOf, type ResourceRef } from '../../resource';
import type { CopyTarget } from '../../state/backup-state';

export { copyTargetSchema };

export const executionInputSchema = z.strictObject({
  tier: z.string().optional(),
  targets: z
    .strictObject({
      tags: tagMapSchema.optional(),
      resources: z.array(z.string()).max(1000, 'at most 1000 explicit resources per run').optional(),
    })
    .optional(),
  copyTo: z.array(copyTargetSchema).max(5, 'at most 5 copy regions').optional(),
  dryRun: z.boolean().optional(),
  reason: z.string().max(1024).optional(),
  /** Overrides the tier's retention for this run's backups (e.g. a one-off kept for a release). */
  retentionDays: z.number().int('must be a whole number of days').min(1).max(3650).optional(),
});
export type ExecutionInput = z.infer<typeof executionInputSchema>;

export interface ValidatedInput {
  tier: string;
  tags: Record<string, string> | undefined;
  resources: ResourceRef[];
  copyTo: CopyTarget[];
  dryRun: boolean;
  reason: string | undefined;
  retentionDays: number;
}

export interface InputContext {
  tiers: Record<string, TierConfig>;
  defaultTier: string;
  defaultTargetTags: Record<string, string>;
  /**
   * The account the pipeline runs in. Drivers look resources up by name in this account, so an ARN of
   * another account would back up a same-named resource here: such an ARN is refused. Omitted where the
   * account is unknown (the CLI before it calls StartExecution); Plan always passes it.
   */
  accountId?: string;
  /** The pipeline's own region: an ARN of another partition (aws-cn, aws-us-gov) is refused. */
  region?: string;
}

export type InputProblem = { field: string; message: string };

/** The outcome of checking execution input: the input when it is valid, and every problem found. */
export type InputCheck = { ok: true; input: ValidatedInput } | { ok: false; problems: InputProblem[] };

/**
 * Validates raw execution input. Throws one InvalidInputError naming every bad field, so the
 * operator fixes the input once rather than once per field.
 */
export function validateExecutionInput(raw: unknown, context: InputContext): ValidatedInput {
  const checked = checkExecutionInput(raw, context);
  if (!checked.ok) throw new InvalidInputError(checked.problems);
  return checked.input;
}

/** Like validateExecutionInput, but returns the problems so a caller can add its own (Plan: copy targets). */
export function checkExecutionInput(raw: unknown, context: InputContext): InputCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [
        {
          field: '(input)',
          message: `expected a JSON object, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`,
        },
      ],
    };
  }
  const problems: InputProblem[] = [];
  const parsed = executionInputSchema.safeParse(raw);
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  const input: ExecutionInput = parsed.success ? parsed.data : {};
  // Semantic checks read the raw fields too, so one bad field never hides another.
  const rawInput = raw as { tier?: unknown; targets?: { resources?: unknown }; copyTo?: unknown };

  const rawTier = typeof rawInput.tier === 'string' ? rawInput.tier : undefined;
  const tier = rawTier ?? context.defaultTier;
  // Own properties only: "constructor" or "__proto__" must not find Object.prototype's members.
  const tierConfig = Object.hasOwn(context.tiers, tier) ? context.tiers[tier] : undefined;
  if (!tierConfig && (rawInput.tier === undefined || rawTier !== undefined)) {
    problems.push({
      field: 'tier',
      message: `unknown tier "${tier}" (configured: ${Object.keys(context.tiers).join(', ')})`,
    });
  }

  const resources: ResourceRef[] = [];
  const seen = new Set<string>();
  const rawResources = rawInput.targets?.resources;
  (Array.isArray(rawResources) ? rawResources : []).forEach((arn: unknown, index) => {
    if (typeof arn !== 'string') return; // reported by the schema
    const result = parseResourceArn(arn);
    const foreign = result.ok ? foreignReason(result.ref, context) : undefined;
    if (!result.ok) problems.push({ field: `targets.resources.${index}`, message: result.reason });
    else if (foreign) problems.push({ field: `targets.resources.${index}`, message: foreign });
    else if (seen.has(arn)) problems.push({ field: `targets.resources.${index}`, message: `duplicate of ${arn}` });
    else {
      seen.add(arn);
      resources.push(result.ref);
    }
  });

  const regions = new Set<string>();
  const rawCopies = Array.isArray(rawInput.copyTo) ? (rawInput.copyTo as unknown[]) : [];
  rawCopies.forEach((copy, index) => {
    const region = (copy as { region?: unknown } | null)?.region;
    if (typeof region !== 'string') return;
    if (regions.has(region))
      problems.push({ field: `copyTo.${index}.region`, message: `duplicate copy region ${region}` });
    regions.add(region);
  });

  // From the raw input too: a schema error elsewhere (input = {}) must not hide empty tags.
  const rawTags: unknown = (rawInput.targets as { tags?: unknown } | null | undefined)?.tags;
  if (typeof rawTags === 'object' && rawTags !== null && !Array.isArray(rawTags) && Object.keys(rawTags).length === 0) {
    problems.push({ field: 'targets.tags', message: 'must name at least one tag (omit it to use the default tags)' });
  }

  if (problems.length > 0) return { ok: false, problems };

  const explicitTargets = input.targets?.tags !== undefined || input.targets?.resources !== undefined;
  const validated: ValidatedInput = {
    tier,
    // Input that names no targets (every scheduled run) selects the tier's own tags, else the default's.
    tags: explicitTargets ? input.targets?.tags : (tierConfig?.targetTags ?? context.defaultTargetTags),
    resources,
    // The input's copyTo (even an empty one) replaces the tier's; scheduled runs pass none and get the tier's.
    copyTo: input.copyTo ?? tierConfig?.copyTo ?? [],
    dryRun: input.dryRun ?? false,
    reason: input.reason,
    retentionDays: input.retentionDays ?? (tierConfig as TierConfig).retentionDays,
  };
  return { ok: true, input: validated };
}

/**
 * Why an ARN names a resource the pipeline must not back up: drivers look resources up by id in the
 * pipeline's own account and partition, so an ARN of another account (or partition) would select a
 * same-named resource here, not the one named.
 */
function foreignReason(ref: ResourceRef, context: InputContext): string | undefined {
  const partition = ref.arn.split(':')[1];
  if (partitionOf(ref.region) !== partition)
    return `${ref.arn} names region ${ref.region}, which is not in partition ${partition}`;
  if (context.region && partitionOf(context.region) !== partition)
    return `${ref.arn} is in partition ${partition}; this pipeline runs in ${partitionOf(context.region)} (${context.region}) and backs up only resources of its own partition`;
  if (context.accountId && ref.accountId !== context.accountId)
    return `${ref.arn} belongs to account ${ref.accountId}; this pipeline backs up only resources of its own account ${context.accountId}`;
  return undefined;
}

/**
 * The copy targets of raw input that are well-formed and not duplicates, with their index in `copyTo`:
 * Plan checks them against the account (region enabled, key exists) even when other fields are bad,
 * so one InvalidInputError names every bad field, copy targets included.
 */
export function copyTargetCandidates(raw: unknown): { index: number; target: CopyTarget }[] {
  const copies = (raw as { copyTo?: unknown } | null)?.copyTo;
  if (!Array.isArray(copies)) return [];
  const seen = new Set<string>();
  const out: { index: number; target: CopyTarget }[] = [];
  copies.forEach((copy: unknown, index) => {
    const parsed = copyTargetSchema.safeParse(copy);
    if (!parsed.success || seen.has(parsed.data.region)) return;
    seen.add(parsed.data.region);
    out.push({ index, target: parsed.data });
  });
  return out;
}
