import { Handle, Position } from '@xyflow/react';
import { formatCompact, formatCount } from '../format';
import type { NodeCounters, Port } from '../types';

interface PortRowsProps {
  inputs: Port[];
  outputs: Port[];
  counters: NodeCounters | undefined;
}

/** Inputs on the left, outputs on the right, one handle per named port, each with its record count. */
export function PortRows({ inputs, outputs, counters }: PortRowsProps) {
  const rows = Math.max(inputs.length, outputs.length);
  return (
    <div className="sl-ports">
      {Array.from({ length: rows }, (_, i) => {
        const input = inputs[i];
        const output = outputs[i];
        return (
          <div className="sl-port-row" key={i}>
            {/* The runtime counts records per node, not per input: the total goes on the first one. */}
            {input ? <PortCell port={input} direction="input" count={i === 0 ? counters?.in : undefined} /> : <span />}
            {output ? <PortCell port={output} direction="output" count={counters?.out[output.name] ?? (counters ? 0 : undefined)} /> : <span />}
          </div>
        );
      })}
    </div>
  );
}

function PortCell({ port, direction, count }: { port: Port; direction: 'input' | 'output'; count: number | undefined }) {
  const input = direction === 'input';
  return (
    <div className={`sl-port sl-port-${direction} sl-port-name-${port.name}`} data-port={port.name} data-direction={direction} title={`${port.name}: ${port.description}`}>
      <Handle type={input ? 'target' : 'source'} position={input ? Position.Left : Position.Right} id={port.name} />
      <span className="sl-port-label">{port.name}</span>
      {count === undefined ? null : (
        <span className="sl-port-count" data-testid="count" title={`${formatCount(count)} records`}>{formatCompact(count)}</span>
      )}
    </div>
  );
}
