/**
 * A usage or environment problem the operator fixes (no pipeline found, a bad flag value): printed as
 * one line, exit 2. Apart from cli/target.ts so the program definition names it without loading the
 * AWS SDK.
 */
export class CliError extends Error {
  override name = 'CliError';
}
