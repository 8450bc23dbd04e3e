/**
 * EC2 DescribeRegions and the account's regions: which are enabled (copies accept only those as source),
 * which need an opt-in, and which are no region at all. Account-wide, so no per-region state.
 */
import { AwsApiError, Backend, type Filter } from './core';
import { matchesFilter } from './query';

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

export class RegionsBackend extends Backend {
  private get enabledRegions(): readonly string[] {
    return this.core.enabledRegions;
  }

  /**
   * DescribeRegions: the account's enabled regions (AllRegions adds the opt-in ones it has not enabled,
   * `not-opted-in`). A name that is no region at all is refused, as EC2 does.
   */
  describeRegions(_region: string, input: { RegionNames?: string[]; AllRegions?: boolean; Filters?: Filter[] }) {
    this.gate('ec2', 'DescribeRegions');
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
