/**
 * The whole payload is unusable (→ HTTP 400 / gRPC INVALID_ARGUMENT). The message names the
 * field or path and what was expected, so it can be shown to the client as is.
 */
export class OtlpDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}
