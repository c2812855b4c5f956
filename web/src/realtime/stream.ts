// The live stream: WebSocket GET /api/v1/stream (token as the second
// Sec-WebSocket-Protocol value after "centinela.v1"), messages {seq, type, time, data}.
// Resumes from the last seq after a reconnect (the server replays what was missed, or
// says "refetch"). While the socket is not open, `onPoll` runs every `pollMs` so screens
// stay current even where the stream is unavailable.
import { storedToken } from '../api/client';

export interface StreamEvent {
  seq: number;
  type: string;
  time?: string | number;
  data?: Record<string, unknown>;
}

export type StreamState = 'connecting' | 'live' | 'polling';

export interface StreamOptions {
  onEvent: (e: StreamEvent) => void;
  /** The server could not replay what was missed: reload lists from REST. */
  onRefetch: () => void;
  onPoll: () => void;
  onState: (s: StreamState) => void;
  pollMs: number;
}

export class LiveStream {
  private ws: WebSocket | null = null;
  private lastSeq = 0;
  private pollTimer: number | null = null;
  private retryTimer: number | null = null;
  private retryMs = 1000;
  private closed = false;

  constructor(private readonly opts: StreamOptions) {}

  start(): void {
    this.closed = false;
    this.startPolling();
    this.connect();
  }

  stop(): void {
    this.closed = true;
    this.stopPolling();
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    this.ws?.close(1000);
    this.ws = null;
  }

  private connect(): void {
    const token = storedToken();
    if (!token || this.closed) return;
    this.opts.onState(this.ws ? 'connecting' : 'polling');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const since = this.lastSeq > 0 ? `?since=${this.lastSeq}` : '';
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/api/v1/stream${since}`, ['centinela.v1', token]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (m) => this.handle(m.data);
    ws.onopen = () => {
      this.retryMs = 1000;
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.opts.onState('polling');
      this.startPolling();
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private handle(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let msg: StreamEvent;
    try {
      msg = JSON.parse(raw) as StreamEvent;
    } catch {
      return;
    }
    if (msg.type === 'hello') {
      // Live from here on: the REST poll is no longer needed.
      if (typeof msg.seq === 'number' && msg.seq > this.lastSeq && this.lastSeq === 0) this.lastSeq = msg.seq;
      this.stopPolling();
      this.opts.onState('live');
      this.opts.onPoll(); // one catch-up read of what happened before the socket opened
      return;
    }
    if (msg.type === 'refetch') {
      if (typeof msg.seq === 'number') this.lastSeq = msg.seq;
      this.opts.onRefetch();
      return;
    }
    if (typeof msg.seq === 'number' && msg.seq > 0) {
      if (msg.seq <= this.lastSeq) return; // a replayed duplicate
      this.lastSeq = msg.seq;
    }
    this.opts.onEvent(msg);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== null) return;
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30000);
  }

  private startPolling(): void {
    if (this.pollTimer !== null || this.closed) return;
    this.opts.onState('polling');
    this.pollTimer = window.setInterval(() => this.opts.onPoll(), this.opts.pollMs);
  }

  private stopPolling(): void {
    if (this.pollTimer !== null) window.clearInterval(this.pollTimer);
    this.pollTimer = null;
  }
}
