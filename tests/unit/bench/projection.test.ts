/**
 * The bench's projection to 100,000 resources (bench/projection.ts): measured per-backup figures scale
 * with the fleet, what does not grow stays as measured, and the first size past a quota is named.
 */
import { projectionSection, projectRow, type ScaleMeasurement } from '../../../bench/projection';

const measured: ScaleMeasurement = {
  backups: 10_000,
  regions: 2,
  simulatedHours: 20,
  meanChildHours: 4,
  mapConcurrency: 10_000,
  transitionsPerBackup: 13.5,
  invocationsPerBackup: 5.8,
  costPer1000Backups: 0.35,
  awsCallsPerBackup: { 'ec2:CreateSnapshots': 0.7, 'ec2:CreateSnapshot': 0.15, 'ec2:DescribeSnapshots': 3.2 },
  stateTableCallsPerBackup: { 'dynamodb:PutItem': 1, 'dynamodb:UpdateItem': 4, 'dynamodb:Query': 0.5 },
  parentHistoryEvents: 30,
  largestChildHistoryEvents: 75,
  payloadHighWaterBytes: 900,
  itemListBytesPerResource: 180,
};

describe('projectRow', () => {
  it('scales per-backup figures with the fleet and keeps history and payload as measured', () => {
    // Act
    const row = projectRow(measured, 100_000);

    // Assess
    expect(row.transitions).toBeCloseTo(1_350_000);
    expect(row.costUsd).toBeCloseTo(35);
    expect(row.stateTableWrites).toBe(500_000);
    expect(row.stateTableReads).toBe(50_000);
    const creates = row.apiCalls.find((load) => load.bucket.calls === 'EC2 creates');
    expect(creates?.callsPerRegion).toBeCloseTo(42_500);
    expect(creates?.minutesPerRegion).toBeCloseTo(42_500 / 5 / 60);
    expect([row.parentHistoryEvents, row.largestChildHistoryEvents, row.payloadKiB]).toEqual([30, 75, 900 / 1024]);
  });

  it("bounds the run's length by the children queued for the Map's slots, never below the measured run", () => {
    expect(projectRow(measured, 10_000).runHoursAtLeast).toBe(20);
    expect(projectRow(measured, 100_000)).toMatchObject({ childWaves: 10, runHoursAtLeast: 40 });
    expect(projectRow({ ...measured, mapConcurrency: 1000 }, 10_000).runHoursAtLeast).toBe(40);
  });
});

describe('projectionSection', () => {
  it('names the first fleet size whose queued children no longer fit the daily gap', () => {
    const text = projectionSection(measured, [10_000, 50_000, 100_000]);

    expect(text).toContain('| 100,000 |');
    expect(text).toContain('at 100,000 resources the children queue');
    expect(text).toContain('40.0 h, past the 24 h daily gap');
  });

  it('says the children fit when every size stays inside the gap', () => {
    const text = projectionSection({ ...measured, meanChildHours: 1 }, [10_000, 100_000]);

    expect(text).toContain('the children fit');
  });
});
