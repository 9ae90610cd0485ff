// Original file: proto/gradpool/v1/coordinator.proto

/**
 * Which part of the data an evaluation reads.
 */
export const EvalSplit = {
  EVAL_SPLIT_UNSPECIFIED: 'EVAL_SPLIT_UNSPECIFIED',
  TRAIN: 'TRAIN',
  VAL: 'VAL',
  /**
   * The held-out test split: only evaluated when a client asks explicitly (Evaluate).
   */
  TEST: 'TEST',
} as const;

/**
 * Which part of the data an evaluation reads.
 */
export type EvalSplit =
  | 'EVAL_SPLIT_UNSPECIFIED'
  | 0
  | 'TRAIN'
  | 1
  | 'VAL'
  | 2
  /**
   * The held-out test split: only evaluated when a client asks explicitly (Evaluate).
   */
  | 'TEST'
  | 3;

/**
 * Which part of the data an evaluation reads.
 */
export type EvalSplit__Output = (typeof EvalSplit)[keyof typeof EvalSplit];
