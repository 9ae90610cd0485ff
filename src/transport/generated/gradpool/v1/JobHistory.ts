// Original file: proto/gradpool/v1/coordinator.proto

export interface JobHistory {
  /**
   * Cost (mean data loss + regularisation) of update i, for i = 0 … len − 1; taken from the running job, or
   * from its newest checkpoint (a diverged job's last few costs after that checkpoint are not kept).
   */
  loss?: (number | string)[];
  /**
   * Training and validation accuracy at each epoch boundary (epoch 0 first), in [0, 1].
   */
  trainAcc?: (number | string)[];
  valAcc?: (number | string)[];
}

export interface JobHistory__Output {
  /**
   * Cost (mean data loss + regularisation) of update i, for i = 0 … len − 1; taken from the running job, or
   * from its newest checkpoint (a diverged job's last few costs after that checkpoint are not kept).
   */
  loss: number[];
  /**
   * Training and validation accuracy at each epoch boundary (epoch 0 first), in [0, 1].
   */
  trainAcc: number[];
  valAcc: number[];
}
