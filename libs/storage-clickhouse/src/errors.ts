import type { InsertErrorClass } from './write/insert-error-class';

/** An error about one input or setting: `field` names it, so the API and the log can say which one. */
abstract class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A read query's input is invalid; `field` names the offending input so the API can say which one. */
export class QueryValidationError extends FieldError {
  override readonly name = 'QueryValidationError';
}

/** The storage configuration is invalid; thrown at construction, naming the field and the fix. */
export class StorageConfigError extends FieldError {
  override readonly name = 'StorageConfigError';
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
 * An insert failed. `errorClass` tells the ingester what to do (see InsertErrorClass): retry the
 * same insert (`transient`: connection, timeout, missing table during a migration, memory…),
 * or isolate the bad rows (`data`, `unknown`, `too_many_partitions`). `permanent` is true
 * only for `data`: ClickHouse refused the rows themselves.
 */
export class RowInsertError extends Error {
  override readonly name = 'RowInsertError';
  readonly permanent: boolean;
  constructor(
    message: string,
    readonly errorClass: InsertErrorClass,
    readonly clickhouseCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.permanent = errorClass === 'data';
  }
}
