/**
 * Request shaping every service module shares: pagination tokens, EC2 filters (tags, attributes,
 * wildcards) and RDS filters (exact values). Pure functions; they throw the service's validation error.
 */
import { AwsApiError, type Filter, type Tag } from './core';

export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  token: string | undefined,
  max = 1000,
): { page: T[]; next?: string } {
  const size = Math.min(Math.max(maxResults ?? max, 1), max);
  const start = token ? Number.parseInt(Buffer.from(token, 'base64').toString('utf8'), 10) : 0;
  if (!Number.isFinite(start) || start < 0)
    throw new AwsApiError('InvalidParameterValue', `Invalid pagination token: ${token}`);
  const page = items.slice(start, start + size);
  const nextStart = start + size;
  return nextStart < items.length ? { page, next: Buffer.from(String(nextStart)).toString('base64') } : { page };
}

export function matchesFilter(
  tags: Tag[],
  attributes: Record<string, string | string[] | undefined>,
  filter: Filter,
): boolean {
  const values = filter.Values ?? [];
  const name = filter.Name ?? '';
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    const tag = tags.find((t) => t.Key === key);
    return tag !== undefined && values.some((v) => wildcard(v, tag.Value));
  }
  if (name === 'tag-key') return tags.some((t) => values.includes(t.Key));
  const attribute = attributes[name];
  if (attribute === undefined) throw new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  const candidates = Array.isArray(attribute) ? attribute : [attribute];
  return candidates.some((c) => values.some((v) => wildcard(v, c)));
}

/** An RDS Filter (DescribeDBInstances, DescribeDBClusters): exact values, no wildcards, at most 100 values. */
export type RdsFilter = { Name?: string; Values?: string[] };

export function matchesRdsFilters(filters: RdsFilter[] | undefined, attributes: Record<string, string[]>): boolean {
  return (filters ?? []).every((filter) => {
    const name = filter.Name ?? '';
    const candidates = attributes[name];
    if (!candidates) throw new AwsApiError('InvalidParameterValue', `Unrecognized filter name: ${name}`);
    const values = filter.Values ?? [];
    if (values.length > 100)
      throw new AwsApiError('InvalidParameterCombination', `Filter ${name} accepts at most 100 values.`);
    return candidates.some((c) => values.includes(c));
  });
}

/**
 * EC2 filter value matching: `*` is any run of characters, `?` exactly one, and a backslash makes the
 * next character literal (`\*amazon\?\\` is the literal `*amazon?\`), as EC2 documents for Filter.
 */
export function wildcard(pattern: string, value: string): boolean {
  // No wildcard or escape: a plain comparison (a 200-value snapshot-id filter over every AMI of a
  // 100,000-snapshot listing would otherwise build hundreds of millions of regular expressions).
  if (!/[*?\\]/.test(pattern)) return pattern === value;
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      re += pattern.charAt(i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}
