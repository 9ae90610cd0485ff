// Original file: proto/grpc/health/v1/health.proto

export interface HealthCheckRequest {
  /**
   * The service to check: a fully qualified service name ("gradpool.v1.Coordinator"), or "" for the
   * server as a whole.
   */
  service?: string;
}

export interface HealthCheckRequest__Output {
  /**
   * The service to check: a fully qualified service name ("gradpool.v1.Coordinator"), or "" for the
   * server as a whole.
   */
  service: string;
}
