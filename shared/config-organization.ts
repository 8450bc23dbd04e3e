/**
 * The `organization` block of cdk.json context (issue #23): which member accounts of an AWS Organization
 * the central pipeline protects, and how their member stack (one IAM role the central Lambdas assume,
 * infra/stacks/member-stack.ts) reaches them. Absent: the pipeline protects the account it is deployed in,
 * exactly as before. The patterns are the ones AWS documents for each identifier, so a typo fails the
 * synth naming the field, not the StackSet deployment an hour later.
 */
import { z } from 'zod';

/** AWS Organizations: "o-" and 10 to 32 lower-case letters or digits (Organization.Id). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** AWS Organizations: "r-" and 4 to 32 lower-case letters or digits (Root.Id). */
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
/** AWS Organizations: "ou-", the root's 4 to 32 characters, "-", 8 to 32 more (OrganizationalUnit.Id). */
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** An AWS account id: exactly 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;
/** IAM CreateRole RoleName: 1 to 64 of letters, digits and + = , . @ _ - */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export const CALL_AS = ['SELF', 'DELEGATED_ADMIN'] as const;

/** The member role's name when none is configured (its ARN is `arn:<partition>:iam::<member>:role/<name>`). */
export const DEFAULT_MEMBER_ROLE_NAME = 'BackupPipelineMember';

const accountIdSchema = z.string().regex(ACCOUNT_ID, 'not an AWS account id (12 digits)');

/** A list given once per entry: a repeated id is a copy-paste slip, named where it repeats. */
function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z.array(item).superRefine((ids, ctx) => {
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index)
        ctx.addIssue({ code: 'custom', path: [index], message: `duplicate ${what} ${id}` });
    });
  });
}

export const organizationSchema = z
  .strictObject({
    /** The organization whose accounts the member role trusts the pipeline from (aws:PrincipalOrgID). */
    organizationId: z
      .string()
      .regex(ORGANIZATION_ID, 'not an AWS Organizations id (o- and 10 to 32 letters or digits)'),
    /**
     * The organization's root (r-…). Needed only with `accounts`: a service-managed StackSet creates stack
     * instances by organizational unit, never by account alone (CloudFormation DeploymentTargets: "For
     * create and delete operations, specify OrganizationalUnitIds"), so named accounts are targeted as the
     * root's accounts filtered to those (AccountFilterType INTERSECTION).
     */
    rootId: z.string().regex(ROOT_ID, 'not an organization root id (r- and 4 to 32 letters or digits)').optional(),
    /** Member accounts named one by one. */
    accounts: uniqueList(accountIdSchema, 'account').min(1, 'name at least one account, or omit it').optional(),
    /** Organizational units (ou-…) or the root (r-…): every account in them, and accounts added later. */
    organizationalUnits: uniqueList(
      z
        .string()
        .regex(
          new RegExp(`${OU_ID.source}|${ROOT_ID.source}`),
          'not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)',
        ),
      'organizational unit',
    )
      .min(1, 'name at least one organizational unit, or omit it')
      .optional(),
    /** Accounts of those units never protected (and given no member stack): e.g. a suspended or sandbox account. */
    excludedAccounts: uniqueList(accountIdSchema, 'account').default([]),
    /** The member role's name, the same in every member account. */
    memberRoleName: z
      .string()
      .regex(ROLE_NAME, 'not an IAM role name (1 to 64 letters, digits and + = , . @ _ -)')
      .default(DEFAULT_MEMBER_ROLE_NAME),
    /**
     * Whom CloudFormation acts as for the StackSet: SELF in the management account, DELEGATED_ADMIN in an
     * account registered as a StackSets delegated administrator (the usual central backup account).
     */
    callAs: z.enum(CALL_AS, { error: 'one of SELF, DELEGATED_ADMIN' }).default('SELF'),
  })
  .superRefine((org, ctx) => {
    if (!org.accounts && !org.organizationalUnits)
      ctx.addIssue({
        code: 'custom',
        path: ['accounts'],
        message: 'name the member accounts (accounts) or their organizational units (organizationalUnits), or both',
      });
    if (org.accounts && !org.rootId)
      ctx.addIssue({
        code: 'custom',
        path: ['rootId'],
        message:
          "required with accounts: a service-managed StackSet reaches named accounts through an OU or the root (DeploymentTargets), so give the organization's root id (r-…)",
      });
    org.excludedAccounts.forEach((id, index) => {
      if (org.accounts?.includes(id))
        ctx.addIssue({
          code: 'custom',
          path: ['excludedAccounts', index],
          message: `${id} is also named in accounts: protect it or exclude it, not both`,
        });
    });
  });
export type OrganizationConfig = z.infer<typeof organizationSchema>;
