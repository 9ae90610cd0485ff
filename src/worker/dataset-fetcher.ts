/**
 * The gRPC side of a worker's dataset cache: WorkerPlane.FetchDataset on its own channel, decoded into
 * FetchItems. Errors come out as GradpoolErrors through the status table.
 */
import { clientChannel, type ClientChannel } from '../transport/credentials';
import type { FetchDatasetResponse__Output } from '../transport/generated/gradpool/v1/FetchDatasetResponse';
import { protos } from '../transport/proto';
import { fromServiceError, type CallFailure } from '../transport/status';
import type { DatasetFetcher, FetchItem } from './dataset-cache';

/**
 * A DatasetFetcher that asks the coordinator at `address`, naming `workerId` in its logs, over `channel`
 * (the worker's TLS and token; default plaintext).
 */
export function grpcDatasetFetcher(
  address: string,
  workerId: string,
  channel: ClientChannel = clientChannel(),
): DatasetFetcher {
  return (datasetId) => ({
    async *[Symbol.asyncIterator](): AsyncGenerator<FetchItem> {
      const client = new (protos().WorkerPlaneClient)(address, channel.credentials, channel.options);
      const call = client.FetchDataset({ datasetId, workerId });
      let ended = false;
      try {
        for await (const m of call as AsyncIterable<FetchDatasetResponse__Output>) {
          if (m.msg === 'info' && m.info) {
            const files = m.info.files.map((f) => ({
              role: f.role,
              fileName: f.fileName,
              sizeBytes: Number(f.sizeBytes),
              sha256: f.sha256,
            }));
            yield { info: { format: m.info.format, files } };
          } else if (m.msg === 'chunk' && m.chunk) {
            const { fileIndex, offset, data } = m.chunk;
            yield { chunk: { fileIndex, offset: Number(offset), data } };
          }
        }
        ended = true;
      } catch (e) {
        ended = true;
        throw fromServiceError(e as CallFailure, `coordinator ${address}`);
      } finally {
        if (!ended) call.cancel();
        client.close();
      }
    },
  });
}
