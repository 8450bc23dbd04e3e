/**
 * What each service's model module seeds into the sandbox's estates (local/estates: the demo fleet `npm
 * start` backs up, the bench's generated fleets, the retention estate), per resource type it models, so
 * the estates name no service or type: a backend declares its types' seeds (`estateSeeds`), and the
 * estates find them on the model's backends and take them in the catalog's type order
 * (local/estates/seeds.ts). Every seed draws the model's PRNG only through the calls it makes, so an
 * estate seeded in the same order replays the same timings.
 *
 * A seed is called with the model's facade (./index.ts); each service module names the operations its seeds
 * call (`M`, the facade answers them), so it imports neither the facade nor a backend: no import cycle.
 */
import type { Tag } from './core';

/** The demo estate's phases, in the order they are seeded; each over every type, in catalog order. */
export const DEMO_PHASES = ['tagged', 'untagged', 'optedOut', 'regional'] as const;
export type DemoPhase = (typeof DEMO_PHASES)[number];

/**
 * One phase of the demo for one type: seeds its resources of that phase in `region`, each tagged
 * `tags(its name)` (the phase's tags: for backup, a name only, opted out), and returns their ids.
 */
export type DemoSeed<M> = (model: M, region: string, tags: (name: string) => Tag[]) => string[];

/** What one owned backup (set) a day of one source needs from the retention estate (local/estates/retention.ts). */
export interface RetentionSeedContext {
  readonly region: string;
  readonly accountId: string;
  /** Daily backups per source. */
  readonly days: number;
  /** When day `day`'s backup was made (day 0 the newest). */
  createdOn(day: number): number;
  /** This stack's tags on a backup of `source` made by run `runId` at `createdMs`; `owner`: another stack's. */
  tags(source: string, runId: string, createdMs: number, owner?: string): Tag[];
  /** An owned backup made on `day`; `held`: something (a hand-made AMI) holds it, so no rule may delete it. */
  owned(id: string, day: number, held?: boolean): void;
  /** A backup no correct retention may delete, however old (another stack's, an untagged one). */
  neverOurs(id: string): void;
}

export interface RetentionSeeds<M> {
  /** Backups one source makes a day (an instance's set: one a volume). */
  readonly backupsPerDay: number;
  /** Its share of a mixed estate's owned backups (the bench's: a tenth databases, the rest volumes and instances). */
  readonly estateShare: number;
  /** Seeds source number `index` in `ctx.region`: a backup (set) a day for `ctx.days` days, and what none may touch. */
  seed(model: M, index: number, ctx: RetentionSeedContext): void;
  /** The ids of this type's backups present in a region (the oracle's check after retention). */
  present(model: M, region: string): string[];
}

export interface TypeSeeds<M> {
  /** The catalog's resource type (shared/services/<svc>/catalog.ts). */
  readonly type: string;
  /** The demo estate's resources of this type, by phase; a phase absent seeds none. */
  readonly demo?: Partial<Record<DemoPhase, DemoSeed<M>>>;
  /**
   * The generated fleet's (the bench's): how many of each block of resources are of this type, and one
   * of them, resource number `n`, its backup's duration drawn by `duration()`; returns its id.
   */
  readonly generated?: {
    readonly perBlock: number;
    add(model: M, region: string, n: number, tags: Tag[], duration: () => number): string;
  };
  readonly retention?: RetentionSeeds<M>;
}

/** A backend that seeds estates: its types' seeds. */
export interface EstateSeeding<M> {
  readonly estateSeeds: readonly TypeSeeds<M>[];
}
