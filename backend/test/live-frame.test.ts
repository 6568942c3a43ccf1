/** The hub's pre-built frames are byte for byte what ws would send for the same text. */
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { textFrame } from '../src/live/frame.js';

// ws exports its Sender (wrapper.mjs) without types for it.
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('matches ws for a %i-byte payload', (length) => {
    const payload = Buffer.alloc(length, 'a');
    const expected = Buffer.concat(Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
    expect(textFrame(payload).equals(expected)).toBe(true);
  });
});
