/**
 * Reads and validates the pipeline config from cdk.json context (`backupPipeline`). A bad key fails
 * synth with a message naming it, before any resource is defined.
 */
import type { Node } from 'constructs';
import { type PipelineConfig, parsePipelineConfig } from '../shared/config';

export const CONTEXT_KEY = 'backupPipeline';

export function loadPipelineConfig(node: Node): PipelineConfig {
  return parsePipelineConfig(node.tryGetContext(CONTEXT_KEY));
}
