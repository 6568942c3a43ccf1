import { act } from '@testing-library/react';

/** The browser WebSocket the live client opens; a test plays the sidecar through it. */
export class FakeSocket {
  static latest: FakeSocket | null = null;
  readyState = 0;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.latest = this;
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
  }
  /** Accepts the connection and confirms a subscription to `topics` at `seq`. */
  serverOpens(seq: number, topics: string[]) {
    this.readyState = 1;
    this.onopen?.();
    this.serverSends({ type: 'welcome', heartbeatMs: 25_000 });
    this.serverSends({ type: 'subscribed', topics, seq });
  }
  serverSends(message: object) {
    act(() => this.onmessage?.({ data: JSON.stringify(message) }));
  }
  /** The connection breaks (1006), as when the sidecar goes away. */
  serverDrops() {
    this.readyState = 3;
    act(() => this.onclose?.({ code: 1006, reason: '' }));
  }
}
