/**
 * The sandbox's stand-in for an operator's drill validation function (cdk.json `drills.validationFunctionArn`):
 * registered in the model as a Lambda function when the configuration names none, so `npm start -- --drill`
 * shows the validation step with a real Invoke. It passes a restored resource that the restore's check
 * described available with a shape, and says what it saw; a real one would read the restored data.
 */
import type { ValidationEvent } from '../../shared/workflow/restore/restore-validation';

export function demoDrillValidator(event: unknown): { passed: boolean; message: string } {
  const { restored } = event as ValidationEvent;
  if (!restored?.ids?.length) return { passed: false, message: 'no restored resource was named' };
  if (!restored.shape) return { passed: false, message: `${restored.ids.join(', ')}: never described available` };
  const shape = Object.entries(restored.shape)
    .filter(([, v]) => typeof v !== 'string' || v.length < 40)
    .slice(0, 3)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  return { passed: true, message: `${restored.ids.join(', ')} answers (${shape})` };
}
