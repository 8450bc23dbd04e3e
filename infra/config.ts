/**
 * Reads and validates the pipeline config from cdk.json context (`backupPipeline`). A bad key fails
 * synth with a message naming it, before any resource is defined; so do drills that would restore on
 * production networking (drillIsolationIssues: a deployment's rule, not a parse's, so the CLI and the
 * sandbox still read a context without placement).
 */
import type { Node } from 'constructs';
import { drillIsolationIssues, InvalidConfigError, type PipelineConfig, parsePipelineConfig } from '../shared/config';

export const CONTEXT_KEY = 'backupPipeline';

export function loadPipelineConfig(node: Node): PipelineConfig {
  const config = parsePipelineConfig(node.tryGetContext(CONTEXT_KEY));
  const issues = drillIsolationIssues(config);
  if (issues.length > 0)
    throw new InvalidConfigError(
      `Invalid cdk.json context:\n${issues.map((i) => `  ${CONTEXT_KEY}.${i.field}: ${i.message}`).join('\n')}`,
    );
  return config;
}
