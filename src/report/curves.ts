/** The training curves of the recipe as PNG files: the loss per iteration, and accuracies per epoch. */
import { encodePng } from './encode-png';
import { BLUE, ORANGE, linePlot } from './plot';

/** PNG of the cost of every iteration (`TrainResult.lossHistory`), 640 × 400. */
export function lossCurvePng(lossHistory: readonly number[]): Buffer {
  return encodePng(
    linePlot({
      series: [{ values: lossHistory, color: BLUE, label: 'loss' }],
      title: 'training loss',
      xLabel: 'iteration',
      legend: false,
    }),
  );
}

/**
 * PNG of training (blue) and validation (orange) accuracy at each epoch boundary (the trainer's
 * trainAccHistory and valAccHistory: epoch 0 is after the first iteration), y from 0 to 1, 640 × 400.
 */
export function accuracyPng(trainAcc: readonly number[], valAcc: readonly number[]): Buffer {
  return encodePng(
    linePlot({
      series: [
        { values: trainAcc, color: BLUE, label: 'train' },
        { values: valAcc, color: ORANGE, label: 'val' },
      ],
      title: 'classification accuracy',
      xLabel: 'epoch',
      yRange: [0, 1],
      dots: true,
      legend: true,
      legendAt: 'bottom-right',
    }),
  );
}
