// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface EpochEvent {
  epoch?: number;
  epochs?: number;
  /**
   * Cost of the last batch: mean data loss + regularisation.
   */
  cost?: number | string;
  /**
   * Accuracies in [0, 1].
   */
  trainAcc?: number | string;
  valAcc?: number | string;
  /**
   * Learning rate after this epoch's decay.
   */
  lr?: number | string;
  /**
   * Index of the update after which this was measured.
   */
  iteration?: number | string | Long;
}

export interface EpochEvent__Output {
  epoch: number;
  epochs: number;
  /**
   * Cost of the last batch: mean data loss + regularisation.
   */
  cost: number;
  /**
   * Accuracies in [0, 1].
   */
  trainAcc: number;
  valAcc: number;
  /**
   * Learning rate after this epoch's decay.
   */
  lr: number;
  /**
   * Index of the update after which this was measured.
   */
  iteration: number;
}
