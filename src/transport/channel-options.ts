/**
 * Message size limits, keepalive and reconnect backoff of every gradpool channel: set here and nowhere
 * else. Servers take `serverOptions`, clients `clientOptions`.
 *
 * Sizes: grpc-js refuses received messages over 4 MiB by default, but one Params message carries the whole
 * model (4 bytes per parameter), so a model over ~1M parameters would not fit. Both directions allow
 * MAX_MESSAGE_BYTES (64 MiB ≈ 16M float32 parameters per message) on both ends; a message over the limit
 * fails with RESOURCE_EXHAUSTED.
 *
 * Keepalive: without it a call across a silent partition hangs forever. Clients ping every second
 * (also without active calls) and drop the connection when a ping is not answered within 4 s, so a
 * partition surfaces as UNAVAILABLE in about 5 s and the worker reconnects. (With a 1 s timeout, any
 * event-loop stall over a second on a loaded machine — a coordinator loading a dataset, a busy CPU shared
 * by several processes — dropped healthy connections; 4 s keeps detection within seconds without that.) Servers must accept pings
 * that often: grpc-js servers never punish frequent pings, and the `grpc.http2.*` entries make other gRPC
 * implementations (C-core based servers and proxies) accept them too instead of answering GOAWAY
 * "too_many_pings". Servers do not ping: a worker busy computing on its main thread may not answer within
 * a second, and the coordinator notices dead workers by their missing heartbeats and expired leases.
 */
import type { ChannelOptions } from '@grpc/grpc-js';

/** Largest message sent or received, in bytes (64 MiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Interval between client keepalive pings, in milliseconds. */
export const KEEPALIVE_TIME_MS = 1000;
/** How long a client waits for a ping's answer before it drops the connection, in milliseconds. */
export const KEEPALIVE_TIMEOUT_MS = 4000;
/** First and largest delay between the channel's own connection attempts, in milliseconds. */
export const RECONNECT_BACKOFF_MS = Object.freeze({ initial: 250, max: 5000 });

/** Options of every gradpool server. */
export const serverOptions: Readonly<ChannelOptions> = Object.freeze({
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  // Accept client pings every KEEPALIVE_TIME_MS, with or without calls, and never strike them.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': KEEPALIVE_TIME_MS / 2,
  'grpc.http2.min_time_between_pings_ms': KEEPALIVE_TIME_MS / 2,
  'grpc.http2.max_ping_strikes': 0,
});

/** Options of every gradpool client. */
export const clientOptions: Readonly<ChannelOptions> = Object.freeze({
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  'grpc.keepalive_permit_without_calls': 1,
  // Send pings even when no data is flowing (C-core clients cap this at 2 otherwise).
  'grpc.http2.max_pings_without_data': 0,
  'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.initial,
  'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.max,
});
