/**
 * RDS DB parameter groups, DB cluster parameter groups and option groups over RDS's region store: they are
 * regional names, so a fleet database's own groups exist in its region only (made on first use, as its
 * subnet group is), and a restore in another region that names them is refused with RDS's fault
 * (DBParameterGroupNotFound, DBClusterParameterGroupNotFound, OptionGroupNotFoundFault). The engine's
 * default groups (`default.<engine>`, `default:<engine>`) exist in every region; a restore naming none
 * gets them. What a restore got is kept on the instance or cluster, and DescribeDB* show it.
 */
import { AwsApiError, type ModelCore, RegionalBackend } from './core';
import type { RdsBackend, RdsRegionState } from './rds';

/** One region's groups by kind (the engine defaults are not listed: they exist everywhere). */
export interface RdsGroupsModel {
  parameter: Set<string>;
  clusterParameter: Set<string>;
  option: Set<string>;
}

export const emptyRdsGroups = (): RdsGroupsModel => ({
  parameter: new Set(),
  clusterParameter: new Set(),
  option: new Set(),
});

/** An engine's default groups, which RDS picks by itself when a create or restore names none. */
export const defaultParameterGroup = (engine: string) => `default.${engine}`;
export const defaultOptionGroup = (engine: string) => `default:${engine}`;
const isDefault = (name: string) => /^default[.:]/.test(name);

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

/** A fleet database's own groups, made in its region on first use. */
export function ensureRdsGroups(r: RdsRegionState, input: RdsGroupInput): void {
  for (const [field, kind] of KINDS) {
    const name = input[field];
    if (name && !isDefault(name)) r.groups[kind].add(name);
  }
}

export class RdsGroupBackend extends RegionalBackend<RdsRegionState> {
  constructor(core: ModelCore, rds: RdsBackend) {
    super(core, rds.store);
  }

  /** Groups of the fleet (a DR region's own, say). */
  addDbParameterGroup(region: string, name: string): void {
    this.region(region).groups.parameter.add(name);
  }
  addDbClusterParameterGroup(region: string, name: string): void {
    this.region(region).groups.clusterParameter.add(name);
  }
  addOptionGroup(region: string, name: string): void {
    this.region(region).groups.option.add(name);
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
