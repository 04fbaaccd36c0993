/** Errors of the autodiff pass. Messages are one sentence a user can act on. */
import { UserError } from '../errors.js';

/** A node on the path from the wrt input to the loss has an op without a gradient rule. */
export class UnsupportedOpError extends UserError {
  override name = 'UnsupportedOpError';
  constructor(readonly nodes: readonly { op: string; node: string; reason?: string }[]) {
    const types = [...new Set(nodes.map((n) => n.op))].sort();
    const list = nodes.map((n) => `${n.node || '<unnamed>'} [${n.op}${n.reason ? `: ${n.reason.replace(/\.$/, '')}` : ''}]`);
    super(
      'unsupported',
      `No gradient rule for op${types.length > 1 ? 's' : ''} ${types.join(', ')} ` +
        `(node${nodes.length > 1 ? 's' : ''} ${list.join(', ')}); attack this model with black-box attacks instead.`,
    );
  }
}

/** The graph cannot be differentiated as given (dynamic shapes, external data, unsupported attribute…). */
export class GraphError extends UserError {
  override name = 'GraphError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported', message, options);
  }
}
