/**
 * Target resolution and run bookkeeping for Plan. Tag discovery asks every driver in every configured
 * region (a few regions at once; a region that cannot be listed fails Plan before anything is written,
 * never silently drops its resources); explicit ARNs are resolved in batches per type and region (a
 * missing one is recorded FAILED, never silently dropped). A volume whose instance is also selected is
 * SKIPPED: the instance's CreateSnapshots already covers it.
 */

import { InvalidInputError, PipelineError, ThrottledError } from '../../errors';
import type { Log } from '../../lambda/powertools';
import type { ResourceRef, ResourceType } from '../../resource';
import type { Discovered, ResourceDriver } from '../../services/driver';
import { chooseMode, isBuiltInDefault, type ModesConfig, rebootRefusal } from '../../services/modes';
import { resolveEach, retryThrottledLookup } from '../../services/resolve';
import type { CopyTarget } from '../../state/backup-state';
import type { ResourceRecord, RunCounts } from '../../state/records';
import type { StateStore } from '../../state/store';
import { withTagsOf } from '../../tags';
import type { EncryptedSource } from '../copies/copy-targets';
import { dryRunCopies, dryRunNote } from './dry-run';
import { checkExecutionInput, type InputContext, type ValidatedInput } from './input';
import { quotaRefusals } from './plan-quotas';

export interface PlanRequest {
  runId: string;
  executionArn: string;
  startedAt: string;
  rawInput: unknown;
  input: ValidatedInput;
  /** The deployment (home) region: where the function runs and the account's regions are asked. */
  region: string;
  /** Where tag discovery runs (config `regions`, resolved: config.ts `configuredRegions`). */
  regions: readonly string[];
  accountId: string;
  drivers: readonly ResourceDriver[];
  driverFor: (type: ResourceType) => ResourceDriver;
  store: Pick<StateStore, 'addResource' | 'createRun' | 'getRun' | 'recordCopyRegions'>;
  /** Backup modes from config (cdk.json `modes`). */
  modes: ModesConfig;
  /** Checks `copyTo` against the account (regions enabled, keys existing); shared/workflow/copies/copy-targets.ts. */
  checkCopyTargets: (
    copyTo: readonly CopyTarget[],
    context: { homeRegion: string; encryptedSources: readonly EncryptedSource[] },
  ) => Promise<{ targets: CopyTarget[]; problems: { field: string; message: string }[] }>;
  now: Date;
  log: Log;
}

export interface PlanResult {
  runId: string;
  tier: string;
  dryRun: boolean;
  expiresAt: string;
  resources: ResourceRef[];
  /** Validated copy targets (keys resolved to ARNs), handed to every resource's copy branch. */
  copyTo: CopyTarget[];
  counts: Pick<RunCounts, 'total' | 'skipped' | 'failed'> & { selected: number };
}

/**
 * Plan's input check: the execution input, and when any field is bad, the copy targets' regions and keys
 * as well (they are otherwise checked after discovery, with the sources' encryption), so one
 * InvalidInputError names every bad field. Returns the valid input.
 */
export async function validatePlanInput(
  raw: unknown,
  context: InputContext & { region: string },
  checkCopyTargets: PlanRequest['checkCopyTargets'],
): Promise<ValidatedInput> {
  const checked = checkExecutionInput(raw, context);
  if (checked.ok) return checked.input;
  const candidates = checked.copyTargets;
  const copies = await checkCopyTargets(
    candidates.map((c) => c.target),
    { homeRegion: context.region, encryptedSources: [] },
  );
  // The check numbers the candidates; the operator needs each one's index in the input's copyTo.
  const copyProblems = copies.problems.map((p) => ({
    ...p,
    field: p.field.replace(/^copyTo\.(\d+)/, (_, i: string) => `copyTo.${candidates[Number(i)]?.index ?? i}`),
  }));
  throw new InvalidInputError([...checked.problems, ...copyProblems]);
}

type Entry = Discovered & { failReason?: string; note?: string; failError?: string };

const WRITE_CONCURRENCY = 10;
/** Regions listed at once: each asks every driver in turn, within that region's API rate limits. */
export const DISCOVERY_CONCURRENCY = 4;

/**
 * Tag discovery could not list a configured region (access denied, a region not enabled, an endpoint
 * that fails): Plan fails before writing anything, naming each region, rather than back up the others
 * while that region's resources silently go unprotected. Not retried by the ASL; the execution fails.
 */
export class RegionDiscoveryError extends PipelineError {
  override readonly name = 'RegionDiscoveryError';
}

/**
 * Every driver's tagged resources in every region, in the configured order (`DISCOVERY_CONCURRENCY`
 * regions at once). When every failing region was throttled, the ThrottledError goes to the ASL's
 * Retry (a retried Plan is idempotent); any other failure is a RegionDiscoveryError naming each region.
 */
async function discoverByTags(request: PlanRequest, tags: Record<string, string>): Promise<Discovered[]> {
  const regions = [...new Set(request.regions)];
  const found: Discovered[][] = new Array(regions.length);
  const failures: { region: string; error: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < regions.length) {
      const index = next++;
      const region = regions[index] as string;
      try {
        const inRegion: Discovered[] = [];
        // A throttled service is retried on its own (with backoff), keeping what the others found, before
        // its ThrottledError fails the attempt: six services' discovery is too many calls to redo as one.
        for (const driver of request.drivers)
          inRegion.push(...(await retryThrottledLookup(() => driver.discover(region, tags, request.accountId))));
        found[index] = inRegion;
      } catch (error) {
        failures.push({ region, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DISCOVERY_CONCURRENCY, regions.length) }, worker));
  if (failures.length > 0) {
    failures.sort((a, b) => regions.indexOf(a.region) - regions.indexOf(b.region));
    const named = failures.map((f) => `${f.region} (${f.error.name}: ${f.error.message})`).join('; ');
    if (failures.every((f) => f.error instanceof ThrottledError))
      throw new ThrottledError(`tag discovery throttled in ${named}`, { cause: failures[0]?.error });
    throw new RegionDiscoveryError(
      `tag discovery failed in ${failures.length} of ${regions.length} configured region(s), so nothing was planned: ${named}. Grant access to the region, enable it, or remove it from the configuration's regions`,
      { cause: failures[0]?.error },
    );
  }
  return found.flat();
}

/** When a run's backups expire: its start plus the retention days (as Plan computes it for a run that proceeds). */
export function expiryOf(startedAt: string, retentionDays: number): string {
  return new Date(new Date(startedAt).getTime() + retentionDays * 86_400_000).toISOString();
}

/**
 * A resource selected through a member (an Aurora cluster through its tagged instance) was not described
 * itself: it is now, batched per type and region, for what its backup and restore need (its own tags to
 * copy, the settings a restore recreates it with). Without them its backup still works (the start
 * describes it), but a restore of it could not: every drill of it failed. A lookup that fails leaves it
 * as it was, named in the log, rather than fail the run.
 */
async function describeSelectedThroughMembers(request: PlanRequest, entries: Map<string, Entry>): Promise<void> {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries.values()) {
    if (!entry.note?.startsWith('selected through member') || entry.restoreSettings) continue;
    const key = `${entry.ref.type}|${entry.ref.region}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  for (const group of groups.values()) {
    const refs = group.map((e) => e.ref);
    try {
      const driver = request.driverFor((refs[0] as ResourceRef).type);
      const resolved = driver.resolveAll ? await driver.resolveAll(refs) : await resolveEach(driver, refs);
      for (const r of resolved) {
        const entry = entries.get(r.ref.arn);
        if (!entry || !('found' in r)) continue;
        const { sourceTags, resourceTags, restoreSettings, encrypted } = r.found;
        Object.assign(entry, {
          ...(sourceTags ? { sourceTags } : {}),
          // Its own tags first, then its members' (what selected it): an application finds it by either.
          ...(resourceTags ? { resourceTags: withTagsOf(resourceTags, entry.resourceTags) } : {}),
          ...(restoreSettings ? { restoreSettings } : {}),
          ...(encrypted ? { encrypted } : {}),
        });
      }
    } catch (error) {
      request.log.warn(
        'resources selected through a member could not be described: their restore settings are missing',
        {
          resources: refs.map((r) => r.arn),
          error: (error as Error).message,
        },
      );
    }
  }
}

export async function planRun(request: PlanRequest): Promise<PlanResult> {
  const { input, store, log } = request;
  const entries = new Map<string, Entry>();

  if (input.tags) {
    for (const found of await discoverByTags(request, input.tags)) entries.set(found.ref.arn, found);
  }
  // Explicit ARNs in batches per type and region (a few Describe calls for 1,000 ARNs, each batch
  // retried alone when throttled); a missing or unusable one is recorded FAILED, never dropped.
  const groups = new Map<string, ResourceRef[]>();
  for (const ref of input.resources) {
    const key = `${ref.type}|${ref.region}`;
    groups.set(key, [...(groups.get(key) ?? []), ref]);
  }
  for (const refs of groups.values()) {
    const driver = request.driverFor((refs[0] as ResourceRef).type);
    const resolved = driver.resolveAll ? await driver.resolveAll(refs) : await resolveEach(driver, refs);
    for (const r of resolved) {
      entries.set(r.ref.arn, 'found' in r ? r.found : { ref: r.ref, failReason: r.failReason });
    }
  }

  // A member that stands for another resource (an Aurora instance for its cluster) selects that one
  // and is itself SKIPPED; the run record says which member brought the cluster in.
  for (const entry of [...entries.values()]) {
    const other = entry.backedUpWith;
    if (!other || entry.failReason) continue;
    const existing = entries.get(other.arn);
    if (!existing)
      entries.set(other.arn, {
        ref: other,
        note: `selected through member ${entry.ref.id}`,
        ...(entry.encrypted ? { encrypted: true } : {}),
        // The member's tags, until the cluster's own are read (describeSelectedThroughMembers): with them.
        ...(entry.resourceTags ? { resourceTags: entry.resourceTags } : {}),
      });
    else if (!existing.failReason && !existing.skipReason && existing.note?.startsWith('selected through member')) {
      existing.note = `${existing.note}, ${entry.ref.id}`;
      existing.resourceTags = withTagsOf(existing.resourceTags, entry.resourceTags);
    }
    entry.partOf = other.arn;
    entry.skipReason = `Aurora cluster member: backed up once, with its cluster ${other.arn}`;
  }

  await describeSelectedThroughMembers(request, entries);

  // Each resource's backup mode, from its tag, the config, or its type's default. A conflict fails the
  // whole Plan here, before anything is written: the operator must say which they meant.
  const problems: { field: string; message: string }[] = [];
  for (const entry of entries.values()) {
    if (entry.failReason || entry.skipReason) continue;
    try {
      // Refs stay small: the mode travels only when it is not the type's built-in default.
      const mode = chooseMode(entry.ref, entry.modeTag, request.modes);
      // A reboot only by the operator's consent: one resource is refused, the run goes on.
      const refusal = rebootRefusal(entry.ref, mode, entry.modeTag, request.modes);
      if (refusal) {
        entry.failReason = `InvalidInputError: ${refusal}`;
        continue;
      }
      if (mode && !isBuiltInDefault(entry.ref.type, mode)) entry.ref = { ...entry.ref, mode };
    } catch (error) {
      // Every conflict at once, with the copy targets' problems below: one error names them all.
      if (error instanceof InvalidInputError) problems.push(...error.problems);
      else throw error;
    }
  }

  // Copy targets, before anything is written: a bad region or key fails the run here, not hours later
  // (a dry run too: it is how an operator learns a real run would fail).
  const encryptedSources = [...entries.values()]
    .filter((e) => !e.failReason && !e.skipReason && e.encrypted)
    .map((e) => ({ arn: e.ref.arn, region: e.ref.region }));
  const copies = await request.checkCopyTargets(input.copyTo, { homeRegion: request.region, encryptedSources });
  problems.push(...copies.problems);
  if (problems.length > 0) throw new InvalidInputError(problems);

  const selected = new Set([...entries.values()].filter((e) => !e.skipReason && !e.failReason).map((e) => e.ref.arn));
  for (const entry of entries.values()) {
    if (entry.partOf && selected.has(entry.partOf)) {
      entry.skipReason ??= `included in the backup of ${entry.partOf}`;
      selected.delete(entry.ref.arn);
    }
  }

  // Quotas AWS reports the use of (RDS manual snapshots), before any create: the resources a run
  // cannot back up are named now, with the numbers, instead of each being refused at its start.
  if (!input.dryRun) {
    const refusals = await quotaRefusals(
      [...entries.values()].filter((e) => selected.has(e.ref.arn)),
      { driverFor: request.driverFor, copyRegions: copies.targets.map((t) => t.region), log },
    );
    for (const [arn, reason] of refusals) {
      const entry = entries.get(arn);
      if (entry) Object.assign(entry, { failReason: reason, failError: 'QuotaExceededError' });
    }
  }

  const expiresAt = expiryOf(request.startedAt, input.retentionDays);
  const queuedAt = request.now.toISOString();
  const records: ResourceRecord[] = [...entries.values()]
    .sort((a, b) => a.ref.arn.localeCompare(b.ref.arn))
    .map((entry) => {
      const base = {
        runId: request.runId,
        arn: entry.ref.arn,
        type: entry.ref.type,
        region: entry.ref.region,
        resourceId: entry.ref.id,
        queuedAt,
      };
      if (entry.failReason)
        return {
          ...base,
          status: 'FAILED',
          note: entry.failReason,
          error: { error: entry.failError ?? 'PlanFailed', cause: entry.failReason },
        };
      if (entry.skipReason) return { ...base, status: 'SKIPPED', note: entry.skipReason };
      if (input.dryRun)
        return {
          ...base,
          status: 'SKIPPED',
          // Where its copies would go, under the key the operator named (the check resolved it to an ARN).
          note: dryRunNote(
            dryRunCopies(
              entry.ref,
              copies.targets.map((t) => ({
                ...t,
                ...(t.kmsKeyId
                  ? { kmsKeyId: input.copyTo.find((c) => c.region === t.region)?.kmsKeyId ?? t.kmsKeyId }
                  : {}),
              })),
              request.driverFor(entry.ref.type).copy === undefined
                ? false
                : (request.driverFor(entry.ref.type).notCopied?.(entry.ref) ?? true),
            ),
            entry.note,
          ),
        };
      // The source's tags for its backup ride on its item, read back by Start: never in the Map's
      // payload (near 256 KiB at scale), and no describe per backup at Start.
      return {
        ...base,
        status: 'PENDING',
        ...(entry.note ? { note: entry.note } : {}),
        ...(entry.sourceTags ? { sourceTags: entry.sourceTags } : {}),
        // Its own tags, kept with its restore points: an application restore selects by them.
        ...(entry.resourceTags ? { resourceTags: entry.resourceTags } : {}),
        // What a restore will need of the source, as it is now: the source may be gone by then.
        ...(entry.restoreSettings ? { restoreSettings: entry.restoreSettings } : {}),
      };
    });

  const counts = {
    total: records.length,
    selected: records.filter((r) => r.status === 'PENDING').length,
    skipped: records.filter((r) => r.status === 'SKIPPED').length,
    failed: records.filter((r) => r.status === 'FAILED').length,
  };

  const created = await store.createRun({
    runId: request.runId,
    tier: input.tier,
    executionArn: request.executionArn,
    startedAt: request.startedAt,
    status: 'RUNNING',
    dryRun: input.dryRun,
    ...(input.reason ? { reason: input.reason } : {}),
    expiresAt,
    input: request.rawInput,
  });
  // Before any copy exists: retention must find the region even if this run stops part-way.
  if (!input.dryRun && copies.targets.length > 0) {
    await store.recordCopyRegions(
      copies.targets.map((t) => t.region),
      queuedAt,
    );
  }
  for (let i = 0; i < records.length; i += WRITE_CONCURRENCY) {
    await Promise.all(records.slice(i, i + WRITE_CONCURRENCY).map((record) => store.addResource(record)));
  }
  log.info('run planned', { run: created, counts, tier: input.tier, dryRun: input.dryRun });

  const pending = new Set(records.filter((r) => r.status === 'PENDING').map((r) => r.arn));
  return {
    runId: request.runId,
    tier: input.tier,
    dryRun: input.dryRun,
    expiresAt,
    copyTo: copies.targets,
    resources: [...entries.values()].map((e) => e.ref).filter((ref) => pending.has(ref.arn)),
    counts,
  };
}
