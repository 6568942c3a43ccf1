/**
 * One WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as server frames are), built once per event.
 * A server frame is the same bytes for every client, so the hub writes this buffer to each socket instead of asking
 * ws to frame the same payload 2,000 times. Safe next to ws's own sends (pings, protocol messages, close) because
 * without permessage-deflate ws writes each frame to the socket synchronously, in call order, never queueing.
 */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}
