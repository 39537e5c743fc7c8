/** A read query's input is invalid; `field` names the offending input so the API can say which one. */
export class QueryValidationError extends Error {
  override readonly name = 'QueryValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The storage configuration is invalid; thrown at construction, naming the field and the fix. */
export class StorageConfigError extends Error {
  override readonly name = 'StorageConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A region id that is not in the region registry. */
export class UnknownRegionError extends Error {
  override readonly name = 'UnknownRegionError';
  constructor(
    readonly regionId: string,
    readonly validRegionIds: readonly string[],
  ) {
    super(`unknown region "${regionId}"; configured regions: ${validRegionIds.map((r) => `"${r}"`).join(', ') || '(none)'}`);
  }
}

/**
 * An insert failed. `permanent` is true when ClickHouse rejected the data itself (it can never
 * be inserted as is: dead-letter it); false for everything else (connection, timeout, missing
 * table during a migration, memory limits…: retry with backoff).
 */
export class RowInsertError extends Error {
  override readonly name = 'RowInsertError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly clickhouseCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
