/**
 * A large, mixed backup estate for measuring retention (the bench's 100,000 owned backups, the
 * RetentionFansOut scenario), seeded straight into the model in milliseconds, and the independent
 * oracle of what must survive. Every source gets one daily backup (set) a day for `days` days, each
 * expiring 7 days after it was made, so by construction: sets younger than 7 days stay and older ones
 * go (keep-last 0, the default; the newest of a source is young), except what no rule may touch:
 * snapshots an AMI uses, foreign-owned and untagged snapshots. The oracle is that construction, not
 * the retention rules.
 */
import { type ResourceType, SERVICES, TYPE_ENTRIES } from '../../shared/services/catalog';
import { TAG } from '../../shared/tags';
import type { AwsModel } from '../model/index';
import { type RetentionSeedContext, typeSeeds } from './seeds';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;

/** Sources of one resource type (the catalog's): the regions they are in, and how many in each. */
export interface RetentionSources {
  type: ResourceType;
  regions: readonly string[];
  perRegion: number;
}

export interface RetentionEstateSpec {
  /** managed-by value of this stack in a region (ownerTagValue). */
  owner: (region: string) => string;
  accountId: string;
  nowMs: number;
  /**
   * The sources, by type; each type's backups are its service's (its model module's retention seeds,
   * ../model/estate-seeds.ts). Seeded region by region (in the order the regions first appear), and in a
   * region in the order given here.
   */
  sources: readonly RetentionSources[];
  /** Daily backups per source (default 30). */
  days?: number;
}

export interface RetentionOracle {
  /** `region|id` of every backup no correct retention may delete (young, AMI-held, foreign, untagged). */
  mustKeep: Set<string>;
  /** `region|id` of every owned backup whose set has expired and nothing holds. */
  mustDelete: Set<string>;
  /** Backups carrying this stack's tags. */
  owned: number;
}

/**
 * A mixed estate of about `count` owned backups over `days` days: each type with retention seeds gets its
 * declared share (`estateShare`: today a tenth RDS databases, the rest EC2, 40% of it volumes and 60%
 * 3-volume instances), at least one source; a service's sources are all in one region, the services
 * taking `regions` in turn (catalog order: EC2 the first, RDS the second, its own delete bucket).
 */
export function mixedRetentionSources(
  model: AwsModel,
  count: number,
  days: number,
  regions: readonly string[],
): RetentionSources[] {
  const seeded = typeSeeds(model).flatMap(({ type, retention }) => (retention ? [{ type, retention }] : []));
  const serviceOf = (type: string) => TYPE_ENTRIES.find((e) => e.type === type)?.arn.service;
  const services = SERVICES.map((s): string => s.service).filter((service) =>
    seeded.some(({ type }) => serviceOf(type) === service),
  );
  return seeded.map(({ type, retention }) => ({
    type,
    regions: [regions[services.indexOf(serviceOf(type) ?? '') % regions.length] as string],
    perRegion: Math.max(1, Math.round((count * retention.estateShare) / (days * retention.backupsPerDay))),
  }));
}

/** Seeds the estate into `model` and returns the oracle. */
export function seedRetentionEstate(model: AwsModel, spec: RetentionEstateSpec): RetentionOracle {
  const days = spec.days ?? 30;
  const oracle: RetentionOracle = { mustKeep: new Set(), mustDelete: new Set(), owned: 0 };
  const seeds = new Map(typeSeeds(model).map((s) => [s.type, s.retention]));
  const regions = [...new Set(spec.sources.flatMap((s) => s.regions))];
  for (const region of regions) {
    const ctx: RetentionSeedContext = {
      region,
      accountId: spec.accountId,
      days,
      // Half a day past midnight, so no set expires exactly at `now`.
      createdOn: (day) => spec.nowMs - (day + 0.5) * DAY_MS,
      tags: (source, runId, createdMs, owner = spec.owner(region)) => [
        { Key: TAG.managedBy, Value: owner },
        { Key: TAG.runId, Value: runId },
        { Key: TAG.tier, Value: 'daily' },
        { Key: TAG.source, Value: source },
        { Key: TAG.expiresAt, Value: new Date(createdMs + RETENTION_DAYS * DAY_MS).toISOString() },
      ],
      owned: (id, day, held = false) => {
        oracle.owned++;
        const young = day + 0.5 < RETENTION_DAYS;
        (young || held ? oracle.mustKeep : oracle.mustDelete).add(`${region}|${id}`);
      },
      neverOurs: (id) => oracle.mustKeep.add(`${region}|${id}`),
    };
    for (const sources of spec.sources.filter((s) => s.regions.includes(region))) {
      const retention = seeds.get(sources.type);
      if (!retention) throw new Error(`no retention seeds for ${sources.type} in the model`);
      for (let i = 0; i < sources.perRegion; i++) retention.seed(model, i, ctx);
    }
  }
  return oracle;
}

/** The oracle checked against what the model holds after retention. */
export function checkRetention(
  model: AwsModel,
  oracle: RetentionOracle,
  regions: readonly string[],
): { wrongDeletions: string[]; missedDeletions: string[] } {
  const stores = typeSeeds(model).flatMap(({ retention }) => (retention ? [retention] : []));
  const present = new Set(
    regions.flatMap((region) => stores.flatMap((store) => store.present(model, region).map((id) => `${region}|${id}`))),
  );
  return {
    wrongDeletions: [...oracle.mustKeep].filter((key) => !present.has(key)),
    missedDeletions: [...oracle.mustDelete].filter((key) => present.has(key)),
  };
}
