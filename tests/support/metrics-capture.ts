/**
 * What the handlers publish as single metrics (Powertools `singleMetric`: one metric, its own
 * dimensions, published at once), captured by name and tier instead of written as EMF to stdout.
 */
import { metrics } from '../../shared/lambda/powertools';

export function captureSingleMetrics(): { published: { name: string; tier: string }[]; restore(): void } {
  const published: { name: string; tier: string }[] = [];
  const spy = jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    let tier = '';
    return {
      addDimension: (name: string, value: string) => {
        if (name === 'tier') tier = value;
      },
      addMetric: (name: string) => published.push({ name, tier }),
    } as unknown as ReturnType<typeof metrics.singleMetric>;
  });
  return { published, restore: () => spy.mockRestore() };
}
