import { isValidElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DataTable, type Column } from './data-table';

interface Row {
  id: string;
  name: string;
  calls: number;
}

const rows: Row[] = [
  { id: 'a', name: 'SELECT 1', calls: 1200 },
  { id: 'b', name: 'SELECT 2', calls: 0 },
];
const columns: Array<Column<Row> | false> = [
  { header: 'Statement', className: 'sql', cell: (r) => r.name },
  { header: 'Calls', numeric: true, sortKey: 'calls', className: (r) => (r.calls === 0 ? 'bad' : undefined), cell: (r) => String(r.calls) },
  false,
  { cell: (r) => <button type="button">Drop {r.id}</button> },
];

/** The <tr> elements of the table's body, as React elements (their handlers callable). */
function bodyRows(node: ReactNode): ReactElement<{ onClick?: () => void; onKeyDown?: (e: unknown) => void; tabIndex?: number; className?: string }>[] {
  const found: ReactElement[] = [];
  const walk = (n: ReactNode, inBody: boolean) => {
    if (Array.isArray(n)) return n.forEach((c) => walk(c, inBody));
    if (!isValidElement<{ children?: ReactNode }>(n)) return;
    if (inBody && n.type === 'tr') found.push(n);
    walk(n.props.children, inBody || n.type === 'tbody');
  };
  walk(node, false);
  return found as ReturnType<typeof bodyRows>;
}

describe('DataTable', () => {
  it('writes headers and cells, figures right-aligned, dropped columns gone, the current order marked', () => {
    const html = renderToStaticMarkup(<DataTable rows={rows} columns={columns} rowKey={(r) => r.id} className="wide" testId="statements" sortedBy="calls" />);
    expect(html).toBe(
      '<table class="table wide" data-testid="statements"><thead><tr><th>Statement</th><th class="num" aria-sort="descending">Calls</th><th></th></tr></thead>' +
        '<tbody><tr><td class="sql">SELECT 1</td><td class="num">1200</td><td><button type="button">Drop a</button></td></tr>' +
        '<tr><td class="sql">SELECT 2</td><td class="num bad">0</td><td><button type="button">Drop b</button></td></tr></tbody></table>',
    );
  });

  it('shows the empty state instead of a table without rows, and the bare table when none is given', () => {
    expect(renderToStaticMarkup(<DataTable rows={[]} columns={columns} rowKey={(r) => r.id} empty={<p>No statements</p>} />)).toBe('<p>No statements</p>');
    expect(renderToStaticMarkup(<DataTable rows={[]} columns={columns} rowKey={(r) => r.id} />)).toContain('<tbody></tbody>');
  });

  it('passes row attributes through and makes clickable rows reachable from the keyboard', () => {
    const clicked: string[] = [];
    const table = DataTable({
      rows,
      columns,
      rowKey: (r) => r.id,
      rowProps: (r) => ({ className: r.id === 'a' ? 'selected' : undefined, title: r.name }),
      onRowClick: (r) => clicked.push(r.id),
    });
    const html = renderToStaticMarkup(table);
    expect(html).toContain('<tr class="selected clickable" title="SELECT 1" tabindex="0">');
    expect(html).toContain('<tr class="clickable" title="SELECT 2" tabindex="0">');

    const [first, second] = bodyRows(table);
    first!.props.onClick!();
    const key = (k: string, target: unknown = 'row') => ({ key: k, target, currentTarget: 'row', preventDefault: () => undefined });
    second!.props.onKeyDown!(key('Enter'));
    second!.props.onKeyDown!(key(' '));
    second!.props.onKeyDown!(key('a'));
    second!.props.onKeyDown!(key('Enter', 'a button inside the row'));
    expect(clicked).toEqual(['a', 'b', 'b']);
  });
});
