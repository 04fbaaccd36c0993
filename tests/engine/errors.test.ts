/**
 * One user-error type for engine, CLI and API (issue 14): every error class a user can cause is a
 * UserError with a code the API contract knows, and the API passes its sentence through — a prompt
 * with an unknown word is `bad-args`, not an internal error the UI calls a bug.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, toErrorBody } from '../../src/engine/api/errors.js';
import { errorCodes } from '../../src/engine/api/contract.js';
import { GraphError, UnsupportedOpError } from '../../src/engine/autodiff/errors.js';
import { DatasetError } from '../../src/engine/data/dataset.js';
import { isUserError, UserError } from '../../src/engine/errors.js';
import { ImageDecodeError } from '../../src/engine/imaging/errors.js';
import { ModelPackageError } from '../../src/engine/model/package.js';
import { PromptError } from '../../src/engine/model/tokenizer.js';
import { OnnxFormatError } from '../../src/engine/onnx/proto.js';
import { RuntimeError } from '../../src/engine/runtime/ort-session.js';
import { UsageError } from '../../src/cli/errors.js';

const cases: [string, Error, string][] = [
  ['ImageDecodeError', new ImageDecodeError('x.png: not a PNG'), 'decode-failed'],
  ['ModelPackageError', new ModelPackageError('m has no model.onnx'), 'model-invalid'],
  ['PromptError', new PromptError('The model knows none of the words in "zzz".'), 'bad-args'],
  ['RuntimeError', new RuntimeError('ORT rejected m'), 'runtime'],
  ['OnnxFormatError', new OnnxFormatError('m is not ONNX'), 'model-invalid'],
  ['GraphError', new GraphError('dynamic shape'), 'unsupported'],
  ['UnsupportedOpError', new UnsupportedOpError([{ op: 'Foo', node: 'n1' }]), 'unsupported'],
  ['DatasetError', new DatasetError('d has no splits.json'), 'bad-args'],
  ['UsageError', new UsageError('--eps is negative'), 'bad-args'],
  ['ApiError', new ApiError('forbidden', 'not allowed'), 'forbidden'],
];

describe('UserError', () => {
  it.each(cases)('%s is a UserError with code %s, and the API passes its sentence through', (name, e, code) => {
    expect(isUserError(e)).toBe(true);
    expect(e).toBeInstanceOf(UserError);
    expect(e.name).toBe(name);
    expect((e as UserError).code).toBe(code);
    expect((errorCodes as readonly string[]).includes(code)).toBe(true);
    const log: unknown[] = [];
    expect(toErrorBody('segment', e, (...a) => log.push(a))).toEqual({ code, message: e.message });
    expect(log).toHaveLength(0);
  });

  it('anything else is a bug: logged, reported as internal without its message', () => {
    const log: unknown[] = [];
    const body = toErrorBody('segment', new TypeError('Cannot convert undefined to a BigInt'), (...a) => log.push(a));
    expect(body.code).toBe('internal');
    expect(body.message).not.toContain('BigInt');
    expect(log).toHaveLength(1);
    expect(isUserError('a bare string')).toBe(false);
  });
});
