/**
 * What a failed INSERT says about what to do next. Every code below was checked against the
 * engine's own `errorCodeToName()` (insert-error-class.spec.ts keeps it so).
 *
 * - `transient`: nothing is wrong with the rows (ClickHouse unreachable, slow, out of memory,
 *   too many parts, a table missing during a migration, a deployment/permission fault). Retry
 *   the same insert with backoff; splitting it would not help and parking it would lose data.
 * - `data`: ClickHouse refused these rows (parse, type, overflow, encoding). Retrying cannot
 *   help: isolate the bad rows at once and dead-letter only them.
 * - `too_many_partitions`: the block spans more partitions (days) than one insert may create.
 *   Nothing is wrong with any row; smaller inserts succeed.
 * - `unknown`: a ClickHouse error code in neither list. Treated as data-suspect (isolated at
 *   once, so it cannot block other tenants), but a single row failing with it is retried a few
 *   times before it is parked, since the code might be an outage we did not list.
 * An error without a ClickHouse code (socket reset, refused connection, client timeout, the
 * embedded engine closed or busy) never says anything about the rows: `transient`.
 */
export type InsertErrorClass = 'transient' | 'data' | 'too_many_partitions' | 'unknown';

/** ClickHouse codes that say nothing about the rows: availability, load, schema/deployment state. */
export const TRANSIENT_CODES: Readonly<Record<number, string>> = {
  60: 'UNKNOWN_TABLE', // during a migration
  81: 'UNKNOWN_DATABASE', // during a migration
  16: 'NO_SUCH_COLUMN_IN_TABLE', // schema older than the writer: every row would fail alike
  47: 'UNKNOWN_IDENTIFIER',
  46: 'UNKNOWN_FUNCTION',
  62: 'SYNTAX_ERROR', // our query, not the rows
  115: 'UNKNOWN_SETTING',
  164: 'READONLY',
  192: 'UNKNOWN_USER',
  194: 'REQUIRED_PASSWORD',
  291: 'DATABASE_ACCESS_DENIED',
  452: 'SETTING_CONSTRAINT_VIOLATION',
  497: 'ACCESS_DENIED',
  516: 'AUTHENTICATION_FAILED',
  76: 'CANNOT_OPEN_FILE',
  294: 'CANNOT_WRITE_TO_FILE',
  586: 'CANNOT_CREATE_FILE',
  243: 'NOT_ENOUGH_SPACE',
  95: 'CANNOT_READ_FROM_SOCKET',
  96: 'CANNOT_WRITE_TO_SOCKET',
  159: 'TIMEOUT_EXCEEDED',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  279: 'ALL_CONNECTION_TRIES_FAILED',
  749: 'TCP_CONNECTION_LIMIT_REACHED',
  762: 'HTTP_CONNECTION_LIMIT_REACHED',
  173: 'CANNOT_ALLOCATE_MEMORY',
  241: 'MEMORY_LIMIT_EXCEEDED',
  777: 'MEMORY_RESERVATION_KILLED',
  778: 'MEMORY_RESERVATION_FAILED',
  776: 'RESOURCE_LIMIT_EXCEEDED',
  201: 'QUOTA_EXCEEDED',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  203: 'NO_FREE_CONNECTION',
  364: 'RECEIVED_ERROR_TOO_MANY_REQUESTS',
  700: 'USER_SESSION_LIMIT_EXCEEDED',
  373: 'SESSION_IS_LOCKED',
  242: 'TABLE_IS_READ_ONLY',
  252: 'TOO_MANY_PARTS', // merges behind (the partitions-per-block case is told apart by its message)
  384: 'PART_IS_TEMPORARILY_LOCKED',
  738: 'PART_IS_LOCKED',
  473: 'DEADLOCK_AVOIDED',
  236: 'ABORTED',
  394: 'QUERY_WAS_CANCELLED',
  735: 'QUERY_WAS_CANCELLED_BY_CLIENT',
  677: 'THREAD_WAS_CANCELED',
  439: 'CANNOT_SCHEDULE_TASK',
  425: 'SYSTEM_ERROR',
  1000: 'POCO_EXCEPTION',
  225: 'NO_ZOOKEEPER',
  244: 'UNEXPECTED_ZOOKEEPER_ERROR',
  999: 'KEEPER_EXCEPTION',
  254: 'NO_ACTIVE_REPLICAS',
  265: 'NO_AVAILABLE_REPLICA',
  285: 'TOO_FEW_LIVE_REPLICAS',
  286: 'UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE',
  289: 'REPLICA_IS_NOT_IN_QUORUM',
  415: 'ALL_REPLICAS_LOST',
  416: 'REPLICA_STATUS_CHANGED',
  571: 'DATABASE_REPLICATION_FAILED',
  904: 'TOO_MANY_UNAVAILABLE_SHARDS',
};

/** ClickHouse codes that are about the rows themselves: they can never be inserted as they are. */
export const DATA_CODES: Readonly<Record<number, string>> = {
  6: 'CANNOT_PARSE_TEXT',
  7: 'INCORRECT_NUMBER_OF_COLUMNS',
  19: 'SIZE_OF_FIXED_STRING_DOESNT_MATCH',
  20: 'NUMBER_OF_COLUMNS_DOESNT_MATCH',
  25: 'CANNOT_PARSE_ESCAPE_SEQUENCE', // a lone UTF-16 surrogate such as "\ud800"
  26: 'CANNOT_PARSE_QUOTED_STRING',
  27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', // e.g. 1e300 or "abc" in an integer column
  32: 'ATTEMPT_TO_READ_AFTER_EOF',
  33: 'CANNOT_READ_ALL_DATA',
  38: 'CANNOT_PARSE_DATE',
  41: 'CANNOT_PARSE_DATETIME',
  43: 'ILLEGAL_TYPE_OF_ARGUMENT',
  53: 'TYPE_MISMATCH',
  69: 'ARGUMENT_OUT_OF_BOUND',
  70: 'CANNOT_CONVERT_TYPE',
  72: 'CANNOT_PARSE_NUMBER', // e.g. -1 in a UInt16
  117: 'INCORRECT_DATA',
  128: 'TOO_LARGE_ARRAY_SIZE',
  130: 'CANNOT_READ_ARRAY_FROM_TEXT',
  131: 'TOO_LARGE_STRING_SIZE',
  190: 'SIZES_OF_ARRAYS_DONT_MATCH',
  321: 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  346: 'CANNOT_CONVERT_CHARSET',
  349: 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  376: 'CANNOT_PARSE_UUID',
  407: 'DECIMAL_OVERFLOW', // a DateTime64(9) after 2262-04-11
  441: 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
  467: 'CANNOT_PARSE_BOOL',
  469: 'VIOLATED_CONSTRAINT',
  546: 'NO_ROW_DELIMITER',
  632: 'UNEXPECTED_DATA_AFTER_PARSED_VALUE',
  675: 'CANNOT_PARSE_IPV4',
  676: 'CANNOT_PARSE_IPV6',
  691: 'UNKNOWN_ELEMENT_OF_ENUM',
};

const TOO_MANY_PARTS = 252;
/** TOO_MANY_PARTS also reports `max_partitions_per_insert_block`; only its message tells them apart. */
const PARTITIONS_PER_BLOCK = /too many partitions for single insert block/i;

/** The numeric ClickHouse code of an error (`@clickhouse/client` and chdb put it in `code` as a string). */
export function clickhouseErrorCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  return undefined;
}

export function classifyInsertError(e: unknown): InsertErrorClass {
  const code = clickhouseErrorCode(e);
  if (code === undefined) return 'transient';
  if (code === TOO_MANY_PARTS && PARTITIONS_PER_BLOCK.test(String((e as Error)?.message ?? ''))) return 'too_many_partitions';
  if (code in TRANSIENT_CODES) return 'transient';
  if (code in DATA_CODES) return 'data';
  return 'unknown';
}
