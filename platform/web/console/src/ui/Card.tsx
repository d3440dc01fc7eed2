import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export function Card({ title, children, labelledBy }: { title?: string; children: ComponentChildren; labelledBy?: string }) {
  // A title without ASCII letters (a Chinese one) would give every card the same id: use a unique one.
  const auto = useId();
  const slug = title && /\w/.test(title) ? title.replace(/\W+/g, "-").toLowerCase() : auto;
  const headingId = labelledBy ?? (title ? `card-${slug}` : undefined);
  return (
    <section class="card" aria-labelledby={title ? headingId : undefined}>
      {title && <h2 id={headingId}>{title}</h2>}
      {children}
    </section>
  );
}

export interface Column<Row> {
  key: string;
  label: string;
  render: (row: Row) => ComponentChildren;
}

/** A table that turns into labelled rows below 640 px (each cell carries its column's label). */
export function Table<Row>({ columns, rows, rowKey, caption }: {
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  caption: string;
}) {
  return (
    <div class="table-wrap">
      <table class="stack">
        <caption class="skip">{caption}</caption>
        <thead>
          <tr>{columns.map((c) => <th key={c.key} scope="col">{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => <td key={c.key} data-label={c.label}>{c.render(row)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
