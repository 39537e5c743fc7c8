/**
 * ClickHouse error codes that mean "this data can never be inserted" (retrying cannot help),
 * as opposed to outages, overload or timeouts, which are retried until they pass.
 */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  691, // UNKNOWN_ELEMENT_OF_ENUM
]);

/** True when the error is about the rows themselves, not about ClickHouse being unavailable. */
export function isDataError(e: unknown): boolean {
  const code = Number((e as { code?: unknown })?.code);
  return Number.isFinite(code) && DATA_ERROR_CODES.has(code);
}
