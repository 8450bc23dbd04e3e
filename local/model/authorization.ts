/**
 * What IAM sees of the resource a call names, beyond the call's own input: the resource's tags (for
 * `aws:ResourceTag` conditions), the name ownership is read from where the resource takes no tags, the
 * table a call writes items to. Each service's main backend answers for the actions on what it holds
 * (`authorizationContext`); tests/infra/iam-matches-handler-calls.test.ts asks the synthesized policy with
 * it. Service-neutral: the services' modules know their actions.
 */
import type { Tag } from './core';

export interface AuthorizationContext {
  /** The tags of the resource the call acts on, as IAM reads them. */
  resourceTags?: Record<string, string>;
  /** The name of the resource the call acts on, where ownership is in the name (a resource without tags). */
  resourceName?: string;
  /** The table a call's item writes go to (a restore's target table), which the grant's resource must cover. */
  tableName?: string;
}

/** A backend that answers for the actions on what it holds; undefined for an action not its own. */
export interface AuthorizationLookup {
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined;
}

/** Tags as IAM compares them: key → value. */
export function tagValues(tags: readonly Partial<Tag>[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
