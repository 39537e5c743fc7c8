import { tenantPartition, tenantPartitions } from './tenant-partitions';

describe('tenant partitions (shuffle sharding of row topics)', () => {
  it('gives a tenant the same few distinct partitions every time, and different tenants mostly different ones', () => {
    const mine = tenantPartitions('t_acme', 16, 2);
    expect(mine).toHaveLength(2);
    expect(new Set(mine).size).toBe(2);
    for (const p of mine) expect(p >= 0 && p < 16).toBe(true);
    expect(tenantPartitions('t_acme', 16, 2)).toEqual(mine);
    // 200 tenants over 120 possible pairs: ~97 distinct pairs expected of a uniform pick, and every partition used.
    const pairs = Array.from({ length: 200 }, (_, i) => tenantPartitions(`t_${i}`, 16, 2));
    expect(new Set(pairs.map((p) => [...p].sort((a, b) => a - b).join(','))).size).toBeGreaterThan(85);
    expect(new Set(pairs.flat()).size).toBe(16);
  });

  it('spreads one tenant’s messages over its partitions by key, and puts a message sent again where the first copy went', () => {
    const mine = tenantPartitions('t_acme', 16, 3);
    const placed = Array.from({ length: 300 }, (_, i) => tenantPartition('t_acme', `m-${i}`, 16, 3));
    expect(new Set(placed)).toEqual(new Set(mine));
    for (let i = 0; i < 300; i++) expect(tenantPartition('t_acme', `m-${i}`, 16, 3)).toBe(placed[i]);
  });

  it('uses every partition when the setting is 0 or not below the topic’s partitions', () => {
    expect(tenantPartitions('t_acme', 4, 0)).toEqual([0, 1, 2, 3]);
    expect(tenantPartitions('t_acme', 4, 4)).toEqual([0, 1, 2, 3]);
    expect(tenantPartitions('t_acme', 1, 2)).toEqual([0]);
    expect(new Set(Array.from({ length: 100 }, (_, i) => tenantPartition('t_acme', `m-${i}`, 4, 0)))).toEqual(new Set([0, 1, 2, 3]));
  });
});
