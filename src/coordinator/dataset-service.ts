/**
 * The coordinator's dataset API over a DatasetStore: the UploadDataset and ListDatasets handlers of the
 * Coordinator service, the FetchDataset handler of the worker plane, and the pinning of `dataset:NAME`
 * sources in submitted specs to `dataset:ID`. Handlers only translate; the upload's checks are
 * DatasetUpload's and the storage is DatasetStore's.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { isDatasetId } from '../data/dataset-manifest';
import { parseSource } from '../data/load-source';
import { GradpoolError } from '../shared/errors';
import type { Logger } from '../shared/log';
import type { DatasetInfo } from '../transport/generated/gradpool/v1/DatasetInfo';
import type { FetchDatasetRequest__Output } from '../transport/generated/gradpool/v1/FetchDatasetRequest';
import type { FetchDatasetResponse } from '../transport/generated/gradpool/v1/FetchDatasetResponse';
import type { UploadDatasetRequest__Output } from '../transport/generated/gradpool/v1/UploadDatasetRequest';
import type { UploadDatasetResponse } from '../transport/generated/gradpool/v1/UploadDatasetResponse';
import type { ListDatasetsResponse } from '../transport/generated/gradpool/v1/ListDatasetsResponse';
import { toServiceError } from '../transport/status';
import type { DatasetListing, DatasetStore } from './dataset-store';
import { DatasetUpload, MAX_CHUNK_BYTES } from './dataset-upload';

/** Default largest dataset an upload may declare, in bytes (2 GiB). */
export const DEFAULT_MAX_DATASET_BYTES = 2 * 1024 * 1024 * 1024;

type UploadCall = grpc.ServerReadableStream<UploadDatasetRequest__Output, UploadDatasetResponse>;
type FetchCall = grpc.ServerWritableStream<FetchDatasetRequest__Output, FetchDatasetResponse>;

/** Dataset handlers and spec pinning over one store. */
export class DatasetService {
  constructor(
    private readonly store: DatasetStore,
    /** Largest dataset an upload may declare, in bytes. */
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {}

  /** Coordinator.UploadDataset: metadata, then chunks; answers once the dataset is stored or failed. */
  readonly upload = (call: UploadCall, callback: grpc.sendUnaryData<UploadDatasetResponse>): void => {
    let upload: DatasetUpload | null = null;
    let over = false;
    let chain: Promise<void> = Promise.resolve();
    const step = (fn: () => Promise<void>) => {
      chain = chain.then(async () => {
        if (!over) await fn();
      });
      chain = chain.catch(async (e: unknown) => {
        if (over) return;
        over = true;
        await upload?.abort();
        this.log('warn', 'dataset upload rejected', { error: (e as Error).message });
        callback(toServiceError(e));
      });
      return chain;
    };
    call.on('data', (m: UploadDatasetRequest__Output) => {
      call.pause();
      void step(async () => {
        if (m.msg === 'metadata' && m.metadata) {
          if (upload) throw new GradpoolError('E_BAD_ARGS', 'metadata came twice; send it once, first');
          const meta = m.metadata;
          upload = await DatasetUpload.begin(
            this.store,
            {
              name: meta.name,
              format: meta.format,
              files: meta.files.map((f) => ({ ...f, sizeBytes: Number(f.sizeBytes) })),
            },
            this.maxBytes,
          );
        } else if (m.msg === 'chunk' && m.chunk) {
          if (!upload)
            throw new GradpoolError('E_BAD_ARGS', 'a chunk came before the metadata; send metadata first');
          await upload.write({
            fileIndex: m.chunk.fileIndex,
            offset: Number(m.chunk.offset),
            data: m.chunk.data,
          });
        } else {
          throw new GradpoolError('E_BAD_ARGS', 'an upload message with neither metadata nor chunk');
        }
      }).finally(() => call.resume());
    });
    call.on('end', () => {
      void step(async () => {
        if (!upload) throw new GradpoolError('E_BAD_ARGS', 'the upload ended before its metadata');
        const r = await upload.finish();
        over = true;
        callback(null, { dataset: toDatasetInfo(r.dataset), existed: r.existed, previousId: r.previousId });
      });
    });
    call.on('cancelled', () => {
      void chain.then(() => {
        if (over) return;
        over = true;
        return upload?.abort();
      });
    });
  };

  /** Coordinator.ListDatasets. */
  readonly list = (
    _call: grpc.ServerUnaryCall<unknown, ListDatasetsResponse>,
    callback: grpc.sendUnaryData<ListDatasetsResponse>,
  ): void => {
    callback(null, { datasets: this.store.list().map(toDatasetInfo) });
  };

  /** WorkerPlane.FetchDataset: the info, then every file in chunks of at most 1 MiB. */
  readonly fetch = (call: FetchCall): void => {
    const { datasetId, workerId } = call.request;
    this.send(call).then(
      (bytes) => this.log('info', 'dataset sent', { datasetId, workerId, bytes }),
      (e: unknown) => {
        this.log('warn', 'dataset fetch failed', { datasetId, workerId, error: (e as Error).message });
        // Not call.destroy(): a destroyed grpc-js server stream never sends its status.
        call.emit('error', toServiceError(e));
      },
    );
  };

  /**
   * `raw` (a decoded job spec) with each `dataset:NAME` source in data.train and data.test replaced by
   * `dataset:ID`, so that the job is pinned to content. E_NOT_FOUND naming the field for an unknown
   * name or id. Anything that is not a dataset source is left for the spec validation.
   */
  pin(raw: unknown): unknown {
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(raw) || !isObject(raw.data)) return raw;
    const data = { ...raw.data };
    for (const field of ['train', 'test']) {
      const text = data[field];
      if (typeof text !== 'string') continue;
      const source = parseSource(text);
      if (typeof source === 'string' || source.kind !== 'dataset') continue;
      const id = this.store.idOf(source.ref);
      if (!id) {
        throw new GradpoolError(
          'E_NOT_FOUND',
          `data.${field}: no dataset ${isDatasetId(source.ref) ? 'with id' : 'named'} "${source.ref}" on this coordinator; "gradpool data list" shows its datasets, "gradpool data upload" adds one`,
          `data.${field}`,
        );
      }
      data[field] = `dataset:${id}${source.part === 'test' ? ':test' : ''}`;
    }
    return { ...raw, data };
  }

  /** Streams dataset `call.request.datasetId`; resolves with the bytes sent. */
  private async send(call: FetchCall): Promise<number> {
    const id = call.request.datasetId;
    const ds = this.store.get(id);
    if (!ds) throw new GradpoolError('E_NOT_FOUND', `no dataset with id "${id}" on this coordinator`);
    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    const write = async (msg: FetchDatasetResponse) => {
      if (!call.write(msg) && !cancelled) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
    };
    await write({ info: toDatasetInfo(ds) });
    let bytes = 0;
    for (let fileIndex = 0; fileIndex < ds.files.length && !cancelled; fileIndex++) {
      let offset = 0;
      const stream = createReadStream(this.store.filePath(id, fileIndex), { highWaterMark: MAX_CHUNK_BYTES });
      for await (const data of stream as AsyncIterable<Buffer>) {
        if (cancelled) break;
        await write({ chunk: { fileIndex, offset, data } });
        offset += data.length;
        bytes += data.length;
      }
      stream.destroy();
    }
    if (!cancelled) call.end();
    return bytes;
  }
}

/** A listing as the wire's DatasetInfo. */
function toDatasetInfo(d: DatasetListing): DatasetInfo {
  return {
    id: d.id,
    names: [...d.names],
    format: d.format,
    files: d.files.map((f) => ({ ...f })),
    sizeBytes: d.sizeBytes,
    createdMs: d.createdMs,
    trainCount: d.trainCount,
    testCount: d.testCount,
    sampleShape: [...d.sampleShape],
  };
}
