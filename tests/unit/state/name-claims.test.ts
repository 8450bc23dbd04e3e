/**
 * shared/state/name-claims.ts against dynalite (real conditional writes): of two restores claiming one
 * name at once exactly one holds it; the holder claims again (a retried Plan); a released or expired
 * claim is free; a release by another restore does nothing.
 */
import { NameClaimStore } from '../../../shared/state/name-claims';
import { useUnitDynalite } from '../../support/unit-dynalite';

const db = useUnitDynalite();
const NOW = new Date('2026-11-02T10:00:00Z');
const LATER = new Date('2026-11-05T10:00:00Z');
const ref = { type: 'ebs-volume', region: 'eu-west-1', name: 'restored-shared' };

describe('NameClaimStore', () => {
  it('lets exactly one of two restores planned at once claim a name, and tells the other who holds it', async () => {
    // Prepare
    const claims = new NameClaimStore(db().doc, await db().createTable('claims-race'));

    // Act
    const [a, b] = await Promise.all([
      claims.claim(ref, 'restore-a', NOW, LATER),
      claims.claim(ref, 'restore-b', NOW, LATER),
    ]);
    const again = await claims.claim(ref, (await claims.get(ref))?.restoreId ?? '', NOW, LATER);

    // Assess
    expect([a.claimed, b.claimed].sort()).toEqual([false, true]);
    const refused = a.claimed ? b : a;
    const winner = a.claimed ? 'restore-a' : 'restore-b';
    expect(refused).toMatchObject({ claimed: false, holder: { restoreId: winner, name: 'restored-shared' } });
    expect(again).toEqual({ claimed: true });
  });

  it('frees a name once its holder is recorded (released) or past its expiry, not on another restore release', async () => {
    // Prepare
    const claims = new NameClaimStore(db().doc, await db().createTable('claims-release'));
    await claims.claim(ref, 'restore-a', NOW, LATER);
    const other = { ...ref, name: 'other' };
    await claims.claim(other, 'restore-a', NOW, LATER);

    // Act
    await claims.release(ref, 'restore-z', NOW);
    const whileHeld = await claims.claim(ref, 'restore-b', NOW, LATER);
    await claims.release(ref, 'restore-a', NOW);
    const afterRelease = await claims.claim(ref, 'restore-b', NOW, LATER);
    const afterExpiry = await claims.claim(other, 'restore-c', new Date(LATER.getTime() + 1000), LATER);

    // Assess
    expect(whileHeld.claimed).toBe(false);
    expect(afterRelease).toEqual({ claimed: true });
    expect(afterExpiry).toEqual({ claimed: true });
    expect(await claims.get(ref)).toMatchObject({ restoreId: 'restore-b' });
  });
});
