// Original file: proto/gradpool/v1/coordinator.proto

export interface Heartbeat {}

export interface Heartbeat__Output {}
