/**
 * The message ids of one partition's recent offsets, for dropping copies. A copy is a message
 * whose id also stands at one of the `window` offsets before it: the producer sent it again
 * (kafka-bus.ts resends partitions no broker acknowledged; kafkajs may retry a produce that had
 * landed with other sequence numbers). The rule depends only on the log, so every owner of the
 * partition drops the same messages — a batch re-formed after a crash or rebalance holds the same
 * messages and gets the same insert-deduplication token — as long as it knows the window before
 * its first offset (`knowsWindowBefore`; RegionConsumer reads it back when it does not).
 *
 * Offsets are recorded in ascending order; gaps (compaction, transaction markers) are fine.
 */
export class RecentIds {
  /** id → the highest offset recorded with it. */
  private readonly latest = new Map<string, bigint>();
  private offsets: bigint[] = [];
  private ids: string[] = [];
  private head = 0;

  /**
   * @param from every offset from here on is recorded (below it: unknown, or nothing when
   *   `fromLogStart`, i.e. `from` was the partition's first offset)
   */
  constructor(
    readonly window: number,
    private from: bigint,
    private fromLogStart: boolean,
  ) {
    this.next = from;
  }

  /** The next offset to record; lower ones are known already. */
  next: bigint;

  /** Whether every offset in [offset − window, offset) is known (or does not exist). */
  knowsWindowBefore(offset: bigint): boolean {
    return offset >= this.from && offset <= this.next && (this.fromLogStart || this.from <= offset - BigInt(this.window));
  }

  /** Records the message at `offset` (≥ next); true when it is a copy of one in the window before it. */
  record(offset: bigint, id: string): boolean {
    if (offset < this.next) throw new Error(`offset ${offset} recorded out of order (next is ${this.next})`);
    const previous = this.latest.get(id);
    this.latest.set(id, offset);
    this.offsets.push(offset);
    this.ids.push(id);
    this.next = offset + 1n;
    return previous !== undefined && offset - previous <= BigInt(this.window);
  }

  /** Forgets offsets at and above `offset` (≥ the first known one), which will be read and recorded again. */
  truncate(offset: bigint): void {
    if (offset < this.from) throw new Error(`cannot truncate to ${offset}: offsets below ${this.from} are not known`);
    if (offset >= this.next) return;
    let end = this.offsets.length;
    while (end > this.head && this.offsets[end - 1] >= offset) end--;
    this.offsets.length = this.ids.length = end;
    this.next = offset;
    this.latest.clear();
    for (let i = this.head; i < end; i++) this.latest.set(this.ids[i], this.offsets[i]);
  }

  /** Forgets offsets below `offset` (bounded memory: keep what the next copies can be compared with). */
  prune(offset: bigint): void {
    if (offset <= this.from) return;
    while (this.head < this.offsets.length && this.offsets[this.head] < offset) {
      const id = this.ids[this.head];
      if (this.latest.get(id) === this.offsets[this.head]) this.latest.delete(id);
      this.head++;
    }
    this.from = offset;
    this.fromLogStart = false;
    if (this.head > 1_024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }

  /** The first offset whose window is known or empty, for reading back what is missing. */
  get firstKnown(): bigint {
    return this.from;
  }
}
