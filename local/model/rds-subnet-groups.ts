/**
 * RDS DB subnet groups over RDS's region store: every region has its `default` group (the default VPC's,
 * one subnet per zone, as an account gets it) and its default VPC security group; a fleet instance or
 * cluster names the group it lives in (made on first use when the fleet names another). Restores check a
 * DBSubnetGroupName here; DescribeDBInstances / DescribeDBClusters show the group. Ids are derived from
 * the region and name, never drawn: seeding a group leaves the model's PRNG and id counter untouched.
 */
import { createHash } from 'node:crypto';
import { AwsApiError, arnPartition, type ModelCore, RegionalBackend, type RegionStore } from './core';
import { defaultVpcId } from './ec2-regions';
import { paginate } from './query';
import { RDS_API } from './rds-groups';
import { defineModelService } from './registry';

export interface DbSubnetGroupModel {
  DBSubnetGroupName: string;
  DBSubnetGroupDescription: string;
  VpcId: string;
  /** Subnet id → its availability zone. */
  subnets: { id: string; zone: string }[];
}

const hex = (seed: string, length: number) => createHash('sha256').update(seed).digest('hex').slice(0, length);

/** The region's default VPC security group (the one a seeded database is in). */
export function defaultSecurityGroupId(region: string): string {
  return `sg-${hex(`${region}/default-sg`, 17)}`;
}

/** A subnet group in three zones of the region's default VPC (or of a VPC named after the group). */
export function makeDbSubnetGroup(region: string, name: string): DbSubnetGroupModel {
  return {
    DBSubnetGroupName: name,
    DBSubnetGroupDescription: name === 'default' ? 'default' : `subnet group ${name}`,
    VpcId: name === 'default' ? defaultVpcId(region) : `vpc-${hex(`${region}/${name}/vpc`, 17)}`,
    subnets: ['a', 'b', 'c'].map((z) => ({ id: `subnet-${hex(`${region}/${name}/${z}`, 17)}`, zone: `${region}${z}` })),
  };
}

/** The slice of RDS's region state the subnet groups live in (rds.ts RdsRegionState holds it). */
export interface RdsSubnetGroupsState {
  dbSubnetGroups: Map<string, DbSubnetGroupModel>;
}

/** The subnet group of a fleet database: the one it names, made on first use. */
export function ensureDbSubnetGroup(r: RdsSubnetGroupsState, region: string, name: string): DbSubnetGroupModel {
  let group = r.dbSubnetGroups.get(name);
  if (!group) {
    group = makeDbSubnetGroup(region, name);
    r.dbSubnetGroups.set(name, group);
  }
  return group;
}

/** DescribeDBInstances' DBSubnetGroup member. */
export function dbSubnetGroupView(region: string, accountId: string, g: DbSubnetGroupModel) {
  return {
    DBSubnetGroupName: g.DBSubnetGroupName,
    DBSubnetGroupDescription: g.DBSubnetGroupDescription,
    VpcId: g.VpcId,
    SubnetGroupStatus: 'Complete',
    Subnets: g.subnets.map((s) => ({
      SubnetIdentifier: s.id,
      SubnetAvailabilityZone: { Name: s.zone },
      SubnetStatus: 'Active',
    })),
    DBSubnetGroupArn: `arn:${arnPartition(region)}:rds:${region}:${accountId}:subgrp:${g.DBSubnetGroupName}`,
  };
}

/** DescribeDBInstances / DescribeDBClusters' VpcSecurityGroups member. */
export function vpcSecurityGroupsView(ids: readonly string[] | undefined) {
  return (ids ?? []).map((VpcSecurityGroupId) => ({ VpcSecurityGroupId, Status: 'active' }));
}

export class RdsSubnetGroupBackend extends RegionalBackend<RdsSubnetGroupsState> {
  constructor(core: ModelCore, rds: { store: RegionStore<RdsSubnetGroupsState> }) {
    super(core, rds.store);
  }

  /** A subnet group of the fleet (a restore drill's isolated one, say). */
  addDbSubnetGroup(region: string, name: string): DbSubnetGroupModel {
    return ensureDbSubnetGroup(this.region(region), region, name);
  }

  /** The named group, or RDS's DBSubnetGroupNotFoundFault. */
  dbSubnetGroup(region: string, name: string): DbSubnetGroupModel {
    const group = this.region(region).dbSubnetGroups.get(name);
    if (!group) throw new AwsApiError('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${name} not found.`, 404);
    return group;
  }

  describeDBSubnetGroups(region: string, input: { DBSubnetGroupName?: string; MaxRecords?: number; Marker?: string }) {
    this.gate(RDS_API, 'DescribeDBSubnetGroups');
    const all = input.DBSubnetGroupName
      ? [this.dbSubnetGroup(region, input.DBSubnetGroupName)]
      : [...this.region(region).dbSubnetGroups.values()];
    const { page, next } = paginate(all, input.MaxRecords, input.Marker, 100);
    return {
      DBSubnetGroups: page.map((g) => dbSubnetGroupView(region, this.accountId, g)),
      ...(next ? { Marker: next } : {}),
    };
  }
}

export const dbSubnetGroupModel = defineModelService({
  name: 'dbSubnetGroups',
  needs: ['rds'],
  build: (core, { rds }: { rds: { store: RegionStore<RdsSubnetGroupsState> } }) => new RdsSubnetGroupBackend(core, rds),
  operations: ['addDbSubnetGroup', 'describeDBSubnetGroups'],
});
