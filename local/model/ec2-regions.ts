/**
 * EC2 DescribeRegions and the account's regions: which are enabled (copies accept only those as source),
 * which need an opt-in, and which are no region at all; and which have a default VPC (every region has
 * one until the fleet removes it, as an operator may: DescribeAccountAttributes `default-vpc` then
 * answers `none`, and RDS refuses a restore that names no DB subnet group there). Account-wide: a set of
 * regions, no per-region state.
 */
import { createHash } from 'node:crypto';
import { AwsApiError, Backend, type Filter, type ServiceApi } from './core';
import { matchesFilter } from './query';
import { defineModelService } from './registry';

/** How ec2 answers the core's injected faults (./core.ts ServiceApi): EC2 throttles with RequestLimitExceeded (503) and loses an answer as InternalError. */
export const EC2_API: ServiceApi = {
  name: 'ec2',
  throttleCode: 'RequestLimitExceeded',
  throttleStatus: 503,
  internalErrorCode: 'InternalError',
};

/**
 * Regions that exist but need an opt-in: DescribeRegions AllRegions=true lists them `not-opted-in`
 * unless enabled, and a name outside both lists is not a region at all.
 */
const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'eu-south-1',
  'eu-south-2',
  'eu-central-2',
  'me-south-1',
  'me-central-1',
  'il-central-1',
  'ca-west-1',
];
const OTHER_STANDARD_REGIONS = ['ap-south-1', 'ap-northeast-2', 'ap-northeast-3', 'eu-west-3'];

/** A region's default VPC (derived from the region, never drawn; the `default` DB subnet group's VPC). */
export function defaultVpcId(region: string): string {
  return `vpc-${createHash('sha256').update(`${region}/default/vpc`).digest('hex').slice(0, 17)}`;
}

export class RegionsBackend extends Backend {
  private readonly withoutDefaultVpc = new Set<string>();

  private get enabledRegions(): readonly string[] {
    return this.core.enabledRegions;
  }

  /** The fleet: a region whose default VPC the operator deleted (or an account that never had one). */
  removeDefaultVpc(region: string): void {
    this.withoutDefaultVpc.add(region);
  }

  hasDefaultVpc(region: string): boolean {
    return !this.withoutDefaultVpc.has(region);
  }

  /** DescribeAccountAttributes: `default-vpc` (the region's default VPC id, or `none`); other names answer nothing. */
  describeAccountAttributes(region: string, input: { AttributeNames?: string[] }) {
    this.gate(EC2_API, 'DescribeAccountAttributes');
    const names = input.AttributeNames?.length ? input.AttributeNames : ['default-vpc'];
    return {
      AccountAttributes: names
        .filter((name) => name === 'default-vpc')
        .map((AttributeName) => ({
          AttributeName,
          AttributeValues: [{ AttributeValue: this.hasDefaultVpc(region) ? defaultVpcId(region) : 'none' }],
        })),
    };
  }

  /**
   * DescribeRegions: the account's enabled regions (AllRegions adds the opt-in ones it has not enabled,
   * `not-opted-in`). A name that is no region at all is refused, as EC2 does.
   */
  describeRegions(_region: string, input: { RegionNames?: string[]; AllRegions?: boolean; Filters?: Filter[] }) {
    this.gate(EC2_API, 'DescribeRegions');
    const known = this.knownRegions();
    for (const name of input.RegionNames ?? []) {
      if (!known.includes(name)) throw new AwsApiError('InvalidParameterValue', `Invalid region name: ${name}`);
    }
    const listed = (input.AllRegions ? known : [...this.enabledRegions])
      .filter((name) => !input.RegionNames?.length || input.RegionNames.includes(name))
      .sort();
    const regions = listed.map((name) => ({
      RegionName: name,
      Endpoint: `ec2.${name}.amazonaws.com`,
      OptInStatus: !this.enabledRegions.includes(name)
        ? 'not-opted-in'
        : OPT_IN_REGIONS.includes(name)
          ? 'opted-in'
          : 'opt-in-not-required',
    }));
    return {
      Regions: regions.filter((r) =>
        (input.Filters ?? []).every((f) =>
          matchesFilter([], { 'region-name': r.RegionName, endpoint: r.Endpoint, 'opt-in-status': r.OptInStatus }, f),
        ),
      ),
    };
  }

  private knownRegions(): string[] {
    return [...new Set([...this.enabledRegions, ...OPT_IN_REGIONS, ...OTHER_STANDARD_REGIONS])];
  }

  assertSourceRegion(name: string | undefined, parameter: string): string {
    if (!name) throw new AwsApiError('MissingParameter', `The request must contain the parameter ${parameter}`);
    if (!this.enabledRegions.includes(name))
      throw new AwsApiError('InvalidParameterValue', `Invalid value '${name}' for ${parameter}: not an enabled region`);
    return name;
  }
}

export const regionsModel = defineModelService({
  name: 'regions',
  build: (core) => new RegionsBackend(core),
  operations: ['describeRegions', 'removeDefaultVpc', 'describeAccountAttributes'],
});
