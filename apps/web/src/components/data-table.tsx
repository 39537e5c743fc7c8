import type { HTMLAttributes, KeyboardEvent, ReactNode } from 'react';

/** One column: its header, how a row fills its cell, and how the cell looks. */
export interface Column<Row> {
  /** None for a column of row actions (an empty header cell). */
  header?: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Figures: right-aligned, tabular digits, no wrapping (header and cells). */
  numeric?: boolean;
  /** Class of the column's cells; a function of the row marks single cells (a flagged figure). */
  className?: string | ((row: Row) => string | undefined);
  /** Tooltip of the column's cells (e.g. a figure's unit). */
  title?: (row: Row) => string | undefined;
  /** The order this column stands for; marked `aria-sort` while the table is in that order. */
  sortKey?: string;
}

interface DataTableProps<Row> {
  rows: readonly Row[];
  /** `false` drops a column (e.g. actions only admins see). */
  columns: ReadonlyArray<Column<Row> | false>;
  rowKey: (row: Row) => string;
  /** Shown instead of the table when there are no rows; without it the table shows its headers only. */
  empty?: ReactNode;
  /** Added to the global `table` class. */
  className?: string;
  testId?: string;
  /** The current order (a column's `sortKey`); orders are largest first. */
  sortedBy?: string;
  /** Per-row attributes: class, title, data-* for tests. */
  rowProps?: (row: Row) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | undefined>;
  /** Makes rows clickable and reachable from the keyboard (Enter or Space). */
  onRowClick?: (row: Row) => void;
}

function join(...classes: Array<string | false | undefined>): string | undefined {
  return classes.filter(Boolean).join(' ') || undefined;
}

/** A table of rows under column headers: the markup and the empty state every list page shares. */
export function DataTable<Row>({ rows, columns, rowKey, empty, className, testId, sortedBy, rowProps, onRowClick }: DataTableProps<Row>) {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  const shown = columns.filter((c): c is Column<Row> => c !== false);
  const activate = (row: Row) => (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    onRowClick?.(row);
  };
  return (
    <table className={join('table', className)} data-testid={testId}>
      <thead>
        <tr>
          {shown.map((c, i) => (
            <th key={i} className={join(c.numeric && 'num')} aria-sort={c.sortKey !== undefined && c.sortKey === sortedBy ? 'descending' : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const own = rowProps?.(row);
          const click = onRowClick && { onClick: () => onRowClick(row), onKeyDown: activate(row), tabIndex: 0, className: join(own?.className, 'clickable') };
          return (
            <tr key={rowKey(row)} {...own} {...click}>
              {shown.map((c, i) => (
                <td key={i} className={join(c.numeric && 'num', typeof c.className === 'function' ? c.className(row) : c.className)} title={c.title?.(row)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
