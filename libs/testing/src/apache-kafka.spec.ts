import { kafkaUuid } from './apache-kafka';

describe('kafkaUuid', () => {
  it('is 22 URL-safe base64 characters and never starts with "-" (kafka-storage would read it as an option)', () => {
    // About 1 in 64 raw draws starts with '-', so 4096 draws meet that case with near certainty.
    for (let i = 0; i < 4096; i++) {
      const id = kafkaUuid();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});
