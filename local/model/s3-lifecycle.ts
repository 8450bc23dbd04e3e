/**
 * S3 Lifecycle as the model applies it: the checks PutBucketLifecycleConfiguration makes, and what
 * a bucket's rules make of an object by its age (its storage class, or expired). S3 acts on an object
 * once it is eligible: its creation time plus the rule's days, rounded up to midnight UTC (S3 User
 * Guide, "Lifecycle configuration elements"); S3 may act later, the model never does (strict: an
 * archived object refuses GetObject from the first day it may be archived). Of several rules, expiry
 * wins over a transition and the coldest eligible class wins among transitions ("How Amazon S3 handles
 * conflicts in lifecycle configurations"). Filters by prefix only; a tag or size filter is refused.
 */
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { AwsApiError } from './core';

const DAY_MS = 86_400_000;

/** Storage classes from warmest to coldest: the waterfall lifecycle transitions may only go down. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'INTELLIGENT_TIERING',
  'ONEZONE_IA',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Archived: GetObject answers InvalidObjectState until a RestoreObject copy exists (S3 API, GetObject). */
export const ARCHIVED_CLASSES: readonly StorageClass[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** Days an object must stay in a class before the next transition out of it (S3's transition constraints). */
const STAY_BEFORE_NEXT: Partial<Record<StorageClass, number>> = {
  STANDARD_IA: 30,
  ONEZONE_IA: 30,
  GLACIER_IR: 90,
  GLACIER: 90,
};

const invalid = (message: string) => new AwsApiError('InvalidArgument', message, 400);
const rank = (c: string) => STORAGE_CLASSES.indexOf(c as StorageClass);

const prefixOf = (rule: LifecycleRule): string => rule.Filter?.Prefix ?? rule.Prefix ?? '';

/** PutBucketLifecycleConfiguration's checks on the rules, S3's InvalidArgument (or MalformedXML) when broken. */
export function validateLifecycleRules(rules: LifecycleRule[] | undefined): LifecycleRule[] {
  if (!rules || rules.length === 0 || rules.length > 1000)
    throw new AwsApiError('MalformedXML', 'A lifecycle configuration holds 1 to 1,000 rules.', 400);
  const ids = new Set<string>();
  for (const rule of rules) {
    const id = rule.ID ?? '';
    if (id.length > 255) throw invalid('ID length should not exceed allowed limit of 255');
    if (id && ids.has(id)) throw invalid('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(id);
    if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') throw new AwsApiError('MalformedXML', 'Status', 400);
    const f = rule.Filter;
    if (f && (f.Tag || f.And || f.ObjectSizeGreaterThan !== undefined || f.ObjectSizeLessThan !== undefined))
      throw new AwsApiError('NotImplemented', 'The model filters lifecycle rules by prefix only.', 501);
    let last: { cls: StorageClass; days: number } | undefined;
    const transitions = [...(rule.Transitions ?? [])].sort((a, b) => (a.Days ?? 0) - (b.Days ?? 0));
    for (const t of transitions) {
      const cls = t.StorageClass as StorageClass;
      const days = t.Days;
      if (rank(cls) <= 0) throw invalid(`'StorageClass' ${t.StorageClass} is not a transition target`);
      if (days === undefined || !Number.isInteger(days) || days < 0)
        throw invalid("'Days' in the Transition action must be a non-negative integer");
      if ((cls === 'STANDARD_IA' || cls === 'ONEZONE_IA') && days < 30)
        throw invalid(`'Days' in Transition action must be greater than or equal to 30 for storageClass '${cls}'`);
      if (last) {
        if (rank(cls) <= rank(last.cls))
          throw invalid(
            `A transition to ${cls} cannot follow one to ${last.cls}: lifecycle only moves to colder classes`,
          );
        const stay = STAY_BEFORE_NEXT[last.cls] ?? 0;
        if (days < last.days + stay)
          throw invalid(
            `'Days' in the Transition action for StorageClass '${cls}' for filter '${prefixOf(rule)}' must be ${stay} days more than 'filter' in the Transition action for StorageClass '${last.cls}'`,
          );
      }
      last = { cls, days };
    }
    const expiry = rule.Expiration?.Days;
    if (expiry !== undefined) {
      if (!Number.isInteger(expiry) || expiry <= 0)
        throw invalid("'Days' for Expiration action must be a positive integer");
      if (last && expiry <= last.days)
        throw invalid(
          `'Days' in the Expiration action for filter '${prefixOf(rule)}' must be greater than 'Days' in the Transition action`,
        );
    }
  }
  return rules;
}

/** When an action `days` after `writtenMs` takes effect: rounded up to the next midnight UTC. */
const eligibleAt = (writtenMs: number, days: number) => Math.ceil((writtenMs + days * DAY_MS) / DAY_MS) * DAY_MS;

/**
 * What the rules make of an object under `key` written at `writtenMs`, at `nowMs`: its storage class
 * (STANDARD with no rule, or none yet eligible), or `expired` when a rule's expiration has come.
 */
export function objectLifecycleState(
  rules: readonly LifecycleRule[],
  key: string,
  writtenMs: number,
  nowMs: number,
): { expired: true } | { expired: false; storageClass: StorageClass } {
  let storageClass: StorageClass = 'STANDARD';
  for (const rule of rules) {
    if (rule.Status !== 'Enabled' || !key.startsWith(prefixOf(rule))) continue;
    const expiry = rule.Expiration?.Days;
    if (expiry !== undefined && nowMs >= eligibleAt(writtenMs, expiry)) return { expired: true };
    for (const t of rule.Transitions ?? []) {
      const cls = t.StorageClass as StorageClass;
      if (nowMs >= eligibleAt(writtenMs, t.Days ?? 0) && rank(cls) > rank(storageClass)) storageClass = cls;
    }
  }
  return { expired: false, storageClass };
}
