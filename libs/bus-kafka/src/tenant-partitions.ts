/**
 * Which partitions of a row topic a tenant's messages go to: a few of them, picked by the
 * tenant's id (shuffle sharding), instead of all. The ingesters read every partition side by
 * side (a fetch takes at most `maxBytesPerPartition` of each), so a backlog that one tenant piles
 * up sits in its own partitions only, and a tenant that shares none of them is read at once
 * rather than behind it. Two tenants share all their partitions only when their picks collide:
 * with 2 of 16 partitions, 1 pair in 120.
 *
 * Within its partitions a message is placed by its key, so a message sent again (same tenant,
 * same key) lands where the first copy did: the consumer finds copies per partition.
 */
export function tenantPartition(tenantId: string, key: string, partitions: number, perTenant: number): number {
  const own = tenantPartitions(tenantId, partitions, perTenant);
  return own[hash32(key) % own.length];
}

/** The `perTenant` partitions (of 0 … partitions-1) of a tenant, in a fixed order; all of them when perTenant is 0 or not smaller. */
export function tenantPartitions(tenantId: string, partitions: number, perTenant: number): number[] {
  if (perTenant <= 0 || perTenant >= partitions) return Array.from({ length: partitions }, (_, i) => i);
  const own: number[] = [];
  for (let round = 0; own.length < perTenant; round++) {
    const p = hash32(`${tenantId}\0${round}`) % partitions;
    if (!own.includes(p)) own.push(p);
  }
  return own;
}

/**
 * FNV-1a over the UTF-16 code units, then MurmurHash3's finalizer: stable across processes and
 * versions. The finalizer matters: FNV alone leaves the low bits (what `% partitions` keeps)
 * barely changed by the last character, and tenants clustered on a few pairs of partitions.
 */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
