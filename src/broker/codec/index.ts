// The AMQP 0-9-1 codec: method table, field tables, methods, content headers, frames.
export {
  type ContentHeader,
  decodeContentHeader,
  encodeContentHeader,
  encodedProperties,
  forgetEncodedProperties,
} from './content-header.ts';
export { decodeTable, decodeTableEntries, encodeTable, type FieldValue, MAX_TABLE_DEPTH } from './fields.ts';
export {
  contentFrames,
  contentMethodFrames,
  deliverFrames,
  encodeFrame,
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_MIN_SIZE,
  FRAME_OVERHEAD,
  type Frame,
  FrameReader,
  HEARTBEAT_FRAME,
  heartbeatFrame,
  INITIAL_FRAME_MAX,
  methodFrame,
  PROTOCOL_HEADER,
  type ProtocolHeaderResult,
  readProtocolHeader,
} from './frame.ts';
export { decodeMethod, encodeMethod } from './methods.ts';
export type { BasicProperties } from './properties.ts';
export {
  type ArgSpec,
  type ArgType,
  BASIC_PROPERTIES,
  CLASSES,
  type ContentMethodName,
  type DecodedMethod,
  type FieldTable,
  isMethodName,
  METHODS,
  type MethodArgs,
  type MethodArgsInput,
  type MethodName,
  type MethodSpec,
  methodById,
  methodByName,
} from './spec.ts';
