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

/** Run limits of the input: explicit resources per run, copy regions per run. */
const MAX_RESOURCES = 1000;
const MAX_COPY_REGIONS = 5;

/**
 * The execution input contract, built from the configuration it is checked against (tiers, defaults,
 * the pipeline's account and region). One `safeParse` reports every bad field at once, so the operator
 * fixes the input once: each field's own checks run even when another field is bad, and the two checks
 * that span an array's elements (duplicates, the size limit) run with `when` even when an element is
 * bad (zod skips a refinement after an aborting issue otherwise). Its output is the run's input with
 * every default filled: the named (or default) tier's tags, copy regions and retention.
 */
export function executionInputSchema(context: InputContext) {
  return z
    .strictObject(
      {
        tier: tierSchema(context),
        targets: z
          .strictObject({
            tags: tagMapSchema
              .refine(
                (tags) => Object.keys(tags).length > 0,
                'must name at least one tag (omit it to use the default tags)',
              )
              .optional(),
            resources: z
              .array(resourceArnSchema(context))
              .superRefine(checkResourceList, EVERY_ELEMENT_PARSED)
              .optional(),
          })
          // An empty filter never means "everything": `targets: {}` once fell back to the default selection
          // while `targets: { tags: {} }` was refused. Omit `targets` for the tier's (or default) tags.
          .refine(
            (targets) => targets.tags !== undefined || targets.resources !== undefined,
            "must name tags or resources (omit targets to back up the tier's default selection)",
          )
          .optional(),
        copyTo: z.array(copyTargetSchema).superRefine(checkCopyRegions, EVERY_ELEMENT_PARSED).optional(),
        dryRun: z.boolean().optional(),
        reason: z.string().max(1024).optional(),
        /** Overrides the tier's retention for this run's backups (e.g. a one-off kept for a release). */
        retentionDays: z.number().int('must be a whole number of days').min(1).max(3650).optional(),
      },
      {
        // The object's own issues only (a field's type error keeps zod's message): input that is no object.
        error: (issue) =>
          issue.code === 'invalid_type' ? `expected a JSON object, got ${describeType(issue.input)}` : undefined,
      },
    )
    .transform(({ tier, targets, copyTo, dryRun, reason, retentionDays }) => {
      const explicitTargets = targets?.tags !== undefined || targets?.resources !== undefined;
      return {
        tier: tier.name,
        // Input that names no targets (every scheduled run) selects the tier's own tags, else the default's.
        tags: explicitTargets ? targets?.tags : (tier.config.targetTags ?? context.defaultTargetTags),
        resources: targets?.resources ?? [],
        // The input's copyTo (even an empty one) replaces the tier's; scheduled runs pass none and get the tier's.
        copyTo: copyTo ?? tier.config.copyTo ?? [],
        dryRun: dryRun ?? false,
        reason,
        retentionDays: retentionDays ?? tier.config.retentionDays,
      };
    });
}

/** The execution input as a caller writes it (every field optional). */
export type ExecutionInput = z.input<ReturnType<typeof executionInputSchema>>;
/** The execution input as Plan uses it: defaults filled from the tier, ARNs parsed into refs. */
export type ValidatedInput = z.output<ReturnType<typeof executionInputSchema>>;

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

/**
 * The outcome of checking execution input: the input when it is valid, else every problem found and the
 * input's copy targets that are well-formed (Plan checks them against the account: see copyTargetsOf).
 */
export type InputCheck =
  | { ok: true; input: ValidatedInput }
  | { ok: false; problems: InputProblem[]; copyTargets: { index: number; target: CopyTarget }[] };

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
  const parsed = executionInputSchema(context).safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  return { ok: false, problems: describeIssues(parsed.error), copyTargets: copyTargetsOf(raw) };
}

/** The tier named (or the default one) with its configuration; a tier not configured is refused. */
function tierSchema(context: InputContext) {
  return z
    .string()
    .default(context.defaultTier)
    .transform((name, ctx) => {
      // Own properties only: "constructor" or "__proto__" must not find Object.prototype's members.
      const config = Object.hasOwn(context.tiers, name) ? context.tiers[name] : undefined;
      if (config) return { name, config };
      ctx.addIssue({
        code: 'custom',
        message: `unknown tier "${name}" (configured: ${Object.keys(context.tiers).join(', ')})`,
      });
      return z.NEVER;
    });
}

/** One explicit resource: an ARN of a supported type, in the pipeline's account and partition. */
function resourceArnSchema(context: InputContext) {
  return z.string().transform((arn, ctx): ResourceRef => {
    const parsed = parseResourceArn(arn);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }
    const foreign = foreignReason(parsed.ref, context);
    if (foreign === undefined) return parsed.ref;
    ctx.addIssue({ code: 'custom', message: foreign });
    return z.NEVER;
  });
}

/**
 * The array checks run once the array itself parsed, even when an element is bad, so a duplicate is
 * named beside a malformed neighbour. The values they see at a bad element's index are whatever the
 * element's parse left there, not its output type: the checks read only elements without issues, or
 * test the value's shape first.
 */
const EVERY_ELEMENT_PARSED = { when: (payload: z.core.ParsePayload) => Array.isArray(payload.value) };

function hasIssueAt(ctx: z.core.ParsePayload, index: number): boolean {
  return ctx.issues.some((issue) => issue.path?.[0] === index);
}

/**
 * At most MAX_RESOURCES, each named once. The limit is checked here rather than with `.max()`: zod stops
 * at an over-long array without parsing its elements, and the operator is owed every bad element.
 */
function checkResourceList(refs: ResourceRef[], ctx: z.core.$RefinementCtx<unknown>): void {
  // An empty list would back up nothing while reading as a run: refused, as empty tags are.
  if (refs.length === 0)
    ctx.addIssue({ code: 'custom', message: 'must name at least one resource (omit it to select by tags)' });
  if (refs.length > MAX_RESOURCES)
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_RESOURCES} explicit resources per run` });
  const seen = new Set<string>();
  refs.forEach((ref, index) => {
    if (hasIssueAt(ctx, index)) return; // a bad ARN: reported, and not a ref
    if (seen.has(ref.arn)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate of ${ref.arn}` });
    seen.add(ref.arn);
  });
}

/**
 * At most MAX_COPY_REGIONS (checked here for the reason checkResourceList gives), each region once. A
 * region repeated is named even in a malformed copy target (an unknown field beside it), as before, so
 * the elements are read as unknown and only their region is looked at.
 */
function checkCopyRegions(copies: readonly unknown[], ctx: z.core.$RefinementCtx<unknown>): void {
  if (copies.length > MAX_COPY_REGIONS)
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_COPY_REGIONS} copy regions` });
  const regions = new Set<string>();
  copies.forEach((copy, index) => {
    const region = regionOf(copy);
    if (region === undefined) return; // not an object with a region: reported by the element's schema
    if (regions.has(region))
      ctx.addIssue({ code: 'custom', path: [index, 'region'], message: `duplicate copy region ${region}` });
    regions.add(region);
  });
}

function regionOf(copy: unknown): string | undefined {
  return typeof copy === 'object' && copy !== null && 'region' in copy && typeof copy.region === 'string'
    ? copy.region
    : undefined;
}

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
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

/** Just the input's copyTo, element by element: see copyTargetsOf. */
const copyToElementsSchema = z.object({ copyTo: z.array(z.unknown()) });

/**
 * The copy targets of bad input that are well-formed and not duplicates, with their index in `copyTo`:
 * Plan checks them against the account (region enabled, key exists) even when other fields are bad,
 * so one InvalidInputError names every bad field, copy targets included.
 *
 * A second parse, of this one field: zod's safeParse keeps no partial data when it fails. It cannot
 * disagree with the full parse, which it only follows: each element goes through the same
 * copyTargetSchema the full schema's copyTo uses, so a target is taken here exactly when the full parse
 * found that element well-formed.
 */
function copyTargetsOf(raw: unknown): { index: number; target: CopyTarget }[] {
  const parsed = copyToElementsSchema.safeParse(raw);
  if (!parsed.success) return [];
  const seen = new Set<string>();
  const out: { index: number; target: CopyTarget }[] = [];
  parsed.data.copyTo.forEach((copy, index) => {
    const target = copyTargetSchema.safeParse(copy);
    if (!target.success || seen.has(target.data.region)) return;
    seen.add(target.data.region);
    out.push({ index, target: target.data });
  });
  return out;
}
