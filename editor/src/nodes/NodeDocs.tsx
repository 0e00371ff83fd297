import { Markdown } from '../components/Markdown';
import type { Port } from '../types';

export interface DocsSubject {
  type: string;
  category: string;
  inputs: Port[];
  outputs: Port[];
  /** Absent when the type is not in the catalog. */
  docs?: string;
}

/** A node type's documentation from the catalog: its ports, then its markdown. */
export function NodeDocs({ data }: { data: DocsSubject }) {
  return (
    <div className="sl-docs" data-testid="node-docs">
      <div className="sl-docs-head">
        <strong>{data.type}</strong>
        <span className={`sl-docs-category sl-cat-${data.category}`}>{data.category}</span>
      </div>
      {data.inputs.length + data.outputs.length > 0 ? (
        <dl className="sl-docs-ports">
          {data.inputs.map((p) => <PortDoc key={`in:${p.name}`} arrow="→" name={p.name} description={p.description} />)}
          {data.outputs.map((p) => <PortDoc key={`out:${p.name}`} arrow="←" name={p.name} description={p.description} />)}
        </dl>
      ) : null}
      {data.docs === undefined ? <p className="sl-docs-missing">This node type is not in the server's catalog.</p> : <Markdown source={data.docs} />}
    </div>
  );
}

function PortDoc({ arrow, name, description }: { arrow: string; name: string; description: string }) {
  return (
    <>
      <dt><span aria-hidden="true">{arrow} </span><code>{name}</code></dt>
      <dd>{description}</dd>
    </>
  );
}
