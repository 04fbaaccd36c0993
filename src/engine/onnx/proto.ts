/**
 * ONNX protobuf I/O through onnx-buf (ONNX 1.20 schema, protobuf-es v2). This is the only place that
 * knows how ONNX bytes are encoded; the rest of the engine works on the typed messages.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType, type ModelProto, type TensorProto } from 'onnx-buf';
import { UserError } from '../errors.js';

export { TensorProto_DataType as DataType };
export type { ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto } from 'onnx-buf';

/** Thrown when bytes are not a usable ONNX model; the message names the problem for the user. */
export class OnnxFormatError extends UserError {
  override name = 'OnnxFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('model-invalid', message, options);
  }
}

export function decodeModel(bytes: Uint8Array, source = 'model'): ModelProto {
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new OnnxFormatError(`${source} is not a valid ONNX model (${(e as Error).message}).`);
  }
  if (!model.graph) throw new OnnxFormatError(`${source} is not a valid ONNX model (it has no graph).`);
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

/** True when the tensor keeps its bytes outside the .onnx file (external data), which we reject. */
export function usesExternalData(t: TensorProto): boolean {
  return t.dataLocation === 1 || t.externalData.length > 0;
}
