import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';

/**
 * Compression of the record batches the producer sends (the brokers keep them as sent, topic
 * `compression.type=producer`, and decompress each batch once to validate it). Native row bodies
 * shrink about 5.8× with lz4 and 9.2× with gzip (README, "Compression of Kafka messages").
 * - `lz4` (default): Kafka's LZ4 frame format through lz4-napi (native, off the event loop);
 *   kafkajs' batch encoding costs about half of gzip's, and the ingester's Node threads spent
 *   less CPU per span in every lz4 run of the bench than in any gzip run.
 * - `gzip`: 1.6× fewer bytes than lz4 on the wire, on the brokers' disks and in replication.
 * - `none`: no compression work, but 5.8× lz4's bytes, and kafkajs copies and checksums (CRC32C,
 *   in JavaScript) every byte of a batch several times while encoding it: on the bench it cost
 *   the intake more CPU per span than either codec.
 */
export type KafkaCompression = 'lz4' | 'gzip' | 'none';

export const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ['lz4', 'gzip', 'none'];

/**
 * kafkajs' codec for LZ4 (it ships gzip only). Registered once per process, whatever this
 * process produces with: a consumer must read every batch on its topics, including those a
 * producer with another setting wrote.
 */
const lz4Codec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return compressFrame(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return decompressFrame(buffer);
  },
};

let registered = false;

export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
}

export function compressionType(c: KafkaCompression): CompressionTypes {
  return c === 'lz4' ? CompressionTypes.LZ4 : c === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
