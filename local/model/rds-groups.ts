/**
 * RDS DB parameter groups, DB cluster parameter groups and option groups over RDS's region store: they are
 * regional names, so a fleet database's own groups exist in its region only (made on first use, as its
 * subnet group is), and a restore in another region that names them is refused with RDS's fault
 * (DBParameterGroupNotFound, DBClusterParameterGroupNotFound, OptionGroupNotFoundFault). The engine's
 * default groups (`default.<engine>`, `default:<engine>`) exist in every region; a restore naming none
 * gets them (an instance's option group: its snapshot's, see rds-restore.ts). A DB snapshot carries its
 * instance's option group, and a copy into another region names one there (copyOptionGroup). What a
 * restore got is kept on the instance or cluster, and DescribeDB* show it.
 */
import { AwsApiError, type ModelCore, RegionalBackend, type RegionStore, type ServiceApi } from './core';
import { defineModelService } from './registry';

/** How rds answers the core's injected faults (./core.ts ServiceApi): RDS throttles with Throttling and loses an answer as InternalFailure. */
export const RDS_API: ServiceApi = {
  name: 'rds',
  throttleCode: 'Throttling',
  throttleStatus: 400,
  internalErrorCode: 'InternalFailure',
};

/**
 * One region's groups by kind (the engine defaults are not listed: they exist everywhere). An option
 * group is for one engine (its value; undefined: a group seeded without one, taken as any engine's).
 */
export interface RdsGroupsModel {
  parameter: Set<string>;
  clusterParameter: Set<string>;
  option: Map<string, string | undefined>;
}

/** The slice of RDS's region state the groups live in (rds.ts RdsGroupsState holds it). */
export interface RdsGroupsState {
  groups: RdsGroupsModel;
}

export const emptyRdsGroups = (): RdsGroupsModel => ({
  parameter: new Set(),
  clusterParameter: new Set(),
  option: new Map(),
});

/** An engine's default groups, which RDS picks by itself when a create or restore names none. */
export const defaultParameterGroup = (engine: string) => `default.${engine}`;
export const defaultOptionGroup = (engine: string) => `default:${engine}`;
export const isDefaultGroup = (name: string) => /^default[.:]/.test(name);
const isDefault = isDefaultGroup;

/** The groups a create or restore may name. */
export interface RdsGroupInput {
  DBParameterGroupName?: string;
  OptionGroupName?: string;
  DBClusterParameterGroupName?: string;
}

const KINDS = [
  ['DBParameterGroupName', 'parameter', 'DBParameterGroupNotFound', 'DBParameterGroup'],
  ['OptionGroupName', 'option', 'OptionGroupNotFoundFault', 'OptionGroup'],
  ['DBClusterParameterGroupName', 'clusterParameter', 'DBClusterParameterGroupNotFound', 'DBClusterParameterGroup'],
] as const;

/** A fleet database's own groups, made in its region on first use (its option group for its engine). */
export function ensureRdsGroups(r: RdsGroupsState, input: RdsGroupInput & { Engine?: string }): void {
  for (const [field, kind] of KINDS) {
    const name = input[field];
    if (!name || isDefault(name)) continue;
    if (kind === 'option') {
      if (!r.groups.option.has(name)) r.groups.option.set(name, input.Engine);
    } else r.groups[kind].add(name);
  }
}

/**
 * The option group a CopyDBSnapshot copy gets in `r` (its region). Option groups are regional: a copy
 * into another region of a snapshot whose group is not the engine's default must name one of the
 * destination ("Specify this option if you are copying a snapshot from one AWS Region to another, and
 * your DB instance uses a nondefault option group": CopyDBSnapshot OptionGroupName). RDS refuses such a
 * copy only when the group has options the snapshot needs (persistent ones, TDE; InvalidParameterValue
 * "The snapshot requires a target option group with the following options: ..."); the model, knowing no
 * options, refuses every such copy (strict). A named group must exist there (OptionGroupNotFoundFault)
 * and be for the snapshot's engine (strict: InvalidParameterCombination, the exact code undocumented).
 * A same-region copy keeps the source's group unless one is named.
 */
export function copyOptionGroup(
  r: RdsGroupsState,
  source: { Engine: string; OptionGroupName?: string },
  named: string | undefined,
  crossRegion: boolean,
): string | undefined {
  const own = source.OptionGroupName;
  if (named === undefined) {
    if (crossRegion && own && !isDefault(own))
      throw new AwsApiError(
        'InvalidParameterValue',
        `The snapshot requires a target option group: its option group ${own} exists in its own region only; name one of this region with OptionGroupName.`,
      );
    return crossRegion ? undefined : own;
  }
  if (isDefault(named)) {
    if (named !== defaultOptionGroup(source.Engine))
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Option group ${named} is not for the snapshot's engine ${source.Engine}.`,
      );
    return named;
  }
  if (!r.groups.option.has(named))
    throw new AwsApiError('OptionGroupNotFoundFault', `OptionGroup not found: ${named}`, 404);
  const engine = r.groups.option.get(named);
  if (engine !== undefined && engine !== source.Engine)
    throw new AwsApiError(
      'InvalidParameterCombination',
      `Option group ${named} is for engine ${engine}, not the snapshot's engine ${source.Engine}.`,
    );
  return named;
}

export class RdsGroupBackend extends RegionalBackend<RdsGroupsState> {
  constructor(core: ModelCore, rds: { store: RegionStore<RdsGroupsState> }) {
    super(core, rds.store);
  }

  /** Groups of the fleet (a DR region's own, say). */
  addDbParameterGroup(region: string, name: string): void {
    this.region(region).groups.parameter.add(name);
  }
  addDbClusterParameterGroup(region: string, name: string): void {
    this.region(region).groups.clusterParameter.add(name);
  }
  /** An option group of the region, for `engine` (omitted: any engine's, as groups seeded before engines were). */
  addOptionGroup(region: string, name: string, engine?: string): void {
    this.region(region).groups.option.set(name, engine);
  }

  /** Every group the input names exists in the region (an engine default always does), else RDS's fault. */
  assertRdsGroups(region: string, input: RdsGroupInput): void {
    const groups = this.region(region).groups;
    for (const [field, kind, code, what] of KINDS) {
      const name = input[field];
      if (name !== undefined && !isDefault(name) && !groups[kind].has(name))
        throw new AwsApiError(code, `${what} not found: ${name}`, 404);
    }
  }
}

export const rdsGroupModel = defineModelService({
  name: 'rdsGroups',
  needs: ['rds'],
  build: (core, { rds }: { rds: { store: RegionStore<RdsGroupsState> } }) => new RdsGroupBackend(core, rds),
  operations: ['addDbParameterGroup', 'addDbClusterParameterGroup', 'addOptionGroup'],
});
