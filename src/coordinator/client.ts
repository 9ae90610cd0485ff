/**
 * The coordinator's public client: promise-returning calls of the Coordinator API with plain results and
 * GradpoolErrors (via the status table). The CLI and other programs use this and nothing else of the
 * coordinator.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { clientChannel, type ClientSecurity } from '../transport/credentials';
import type { CoordinatorClient as GrpcCoordinatorClient } from '../transport/generated/gradpool/v1/Coordinator';
import type { DatasetChunk } from '../transport/generated/gradpool/v1/DatasetChunk';
import type { DatasetInfo__Output } from '../transport/generated/gradpool/v1/DatasetInfo';
import type { DatasetUploadMetadata } from '../transport/generated/gradpool/v1/DatasetUploadMetadata';
import type { UploadDatasetResponse__Output } from '../transport/generated/gradpool/v1/UploadDatasetResponse';
import type { Job__Output } from '../transport/generated/gradpool/v1/Job';
import type { JobEvent__Output } from '../transport/generated/gradpool/v1/JobEvent';
import type { TrialEvent__Output } from '../transport/generated/gradpool/v1/TrialEvent';
import { GradpoolError } from '../shared/errors';
import { protos } from '../transport/proto';
import { fromServiceError, type CallFailure } from '../transport/status';
import { decodeTensor } from '../transport/tensor-codec';

/** A job as the API reports it. */
export type JobInfo = Job__Output;
/** One event of WatchJob. */
export type JobEventInfo = JobEvent__Output;
/** One ended trial of a search job (JobEventInfo.trial). */
export type TrialInfo = TrialEvent__Output;

/** A stored dataset as the API reports it. */
export type DatasetInfo = DatasetInfo__Output;
/** The answer to an upload. */
export type UploadResult = UploadDatasetResponse__Output;

/** One exported parameter. */
export interface ExportedParam {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

/** Deadline of unary calls, in milliseconds. */
const UNARY_DEADLINE_MS = 30_000;

/** A client of one coordinator. */
export class CoordinatorClient {
  private readonly client: GrpcCoordinatorClient;

  /**
   * Connects (lazily) to `address` (HOST:PORT): plaintext, or TLS with `security.tls`; `security.token`
   * goes with every call. Bad TLS files throw E_BAD_ARGS here, naming their flag.
   */
  constructor(
    private readonly address: string,
    private readonly security: ClientSecurity = {},
  ) {
    const channel = clientChannel(security);
    this.client = new (protos().CoordinatorClient)(address, channel.credentials, channel.options);
  }

  /** Submits a job spec (already a plain object); idempotent by `requestId`. */
  submit(spec: unknown, requestId: string): Promise<{ job: JobInfo; duplicate: boolean }> {
    return this.unary<{ job: JobInfo | null; duplicate: boolean }>((cb) =>
      this.client.SubmitJob({ specJson: JSON.stringify(spec), requestId }, this.deadline(), cb as never),
    ).then((r) => ({ job: r.job as JobInfo, duplicate: r.duplicate }));
  }

  /** One job. */
  getJob(jobId: string): Promise<JobInfo> {
    return this.unary<JobInfo>((cb) => this.client.GetJob({ jobId }, this.deadline(), cb as never));
  }

  /** Every job, newest first. */
  listJobs(): Promise<JobInfo[]> {
    return this.unary<{ jobs: JobInfo[] }>((cb) =>
      this.client.ListJobs({}, this.deadline(), cb as never),
    ).then((r) => r.jobs);
  }

  /** Cancels a job. */
  cancelJob(jobId: string): Promise<JobInfo> {
    return this.unary<JobInfo>((cb) => this.client.CancelJob({ jobId }, this.deadline(), cb as never));
  }

  /** Calls `onEvent` for every event of the job (history first); resolves when the job's stream ends. */
  watch(jobId: string, onEvent: (e: JobEventInfo) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.WatchJob({ jobId });
      call.on('data', (e: JobEventInfo) => onEvent(e));
      call.on('error', (e: CallFailure) => reject(this.failure(e)));
      call.on('end', () => resolve());
    });
  }

  /** The job's curves: cost per update, train and validation accuracy per epoch boundary. */
  jobHistory(jobId: string): Promise<{ loss: number[]; trainAcc: number[]; valAcc: number[] }> {
    return this.unary<{ loss: number[]; trainAcc: number[]; valAcc: number[] }>((cb) =>
      this.client.GetJobHistory({ jobId }, this.deadline(), cb as never),
    );
  }

  /** Evaluates the job's best parameters on a split; waits up to `deadlineMs` for workers. */
  evaluate(
    jobId: string,
    split: string,
    deadlineMs = 10 * 60_000,
  ): Promise<{ split: string; accuracy: number; loss: number; count: number; testLooks: number }> {
    return this.unary<{ split: string; accuracy: number; loss: number; count: number; testLooks: number }>(
      (cb) => this.client.Evaluate({ jobId, split }, { deadline: Date.now() + deadlineMs }, cb as never),
    );
  }

  /** The job's exported parameters, in model order. */
  async exportModel(jobId: string): Promise<ExportedParam[]> {
    return (await this.exportModelWithPreprocess(jobId)).params;
  }

  /**
   * The job's exported parameters, in model order, and the preprocessing statistics stored with them
   * (src/data/preprocess-codec.ts bytes; null when the job preprocesses nothing).
   */
  exportModelWithPreprocess(jobId: string): Promise<{ params: ExportedParam[]; preprocess: Buffer | null }> {
    return new Promise((resolve, reject) => {
      const params: ExportedParam[] = [];
      let preprocess: Buffer | null = null;
      const call = this.client.ExportModel({ jobId });
      call.on(
        'data',
        (chunk: { name: string; value: { shape: number[]; data: Buffer } | null; preprocess: Buffer }) => {
          const t = decodeTensor(chunk.value ?? { shape: [], data: Buffer.alloc(0) });
          params.push({ name: chunk.name, shape: [...t.shape], data: t.data });
          if (chunk.preprocess && chunk.preprocess.length > 0) preprocess = chunk.preprocess;
        },
      );
      call.on('error', (e: CallFailure) => reject(this.failure(e)));
      call.on('end', () => resolve({ params, preprocess }));
    });
  }

  /**
   * Uploads a dataset: `metadata`, then the chunks `chunks` yields (file after file, at most 1 MiB each),
   * waiting for the stream to take more before reading on. Resolves once the coordinator stored it.
   */
  uploadDataset(metadata: DatasetUploadMetadata, chunks: AsyncIterable<DatasetChunk>): Promise<UploadResult> {
    return new Promise((resolve, reject) => {
      let answered = false;
      let onAnswer: () => void = () => {};
      const answer = new Promise<void>((r) => (onAnswer = r));
      const call = this.client.UploadDataset((err: CallFailure | null, res?: UploadResult) => {
        answered = true;
        onAnswer();
        if (err) reject(fromServiceError(err, `coordinator ${this.address}`));
        else resolve(res as UploadResult);
      });
      const send = async () => {
        call.write({ metadata });
        for await (const chunk of chunks) {
          if (answered) return; // the coordinator answered early (an error): stop reading
          if (!call.write({ chunk })) await Promise.race([once(call, 'drain'), answer]);
        }
        if (!answered) call.end();
      };
      send().catch((e: unknown) => {
        call.cancel();
        reject(e);
      });
    });
  }

  /** Every stored dataset, newest first. */
  listDatasets(): Promise<DatasetInfo[]> {
    return this.unary<{ datasets: DatasetInfo[] }>((cb) =>
      this.client.ListDatasets({}, this.deadline(), cb as never),
    ).then((r) => r.datasets);
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  private deadline(): grpc.CallOptions {
    return { deadline: Date.now() + UNARY_DEADLINE_MS };
  }

  private unary<T>(start: (cb: (err: CallFailure | null, res?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) =>
      start((err, res) => (err ? reject(this.failure(err)) : resolve(res as T))),
    );
  }

  /** A failed call as a GradpoolError, with a hint when the cause looks like a TLS mismatch. */
  private failure(e: CallFailure): GradpoolError {
    const err = fromServiceError(e, `coordinator ${this.address}`);
    return err.code === 'E_UNAVAILABLE'
      ? new GradpoolError(err.code, err.message + tlsHint(e, this.security))
      : err;
  }
}

/**
 * Why an UNAVAILABLE call may have failed when TLS does not match: a plaintext client of a TLS server sees
 * the connection dropped, a TLS client of a plaintext server a TLS protocol error.
 */
function tlsHint(e: CallFailure, security: ClientSecurity): string {
  const details = `${e.details ?? ''} ${e.message ?? ''}`;
  if (!security.tls) {
    return ' (if the coordinator uses TLS, give --tls-ca, and --tls-cert/--tls-key for mutual TLS)';
  }
  if (/wrong version number|packet length too long|SSL routines/i.test(details)) {
    return ' (a TLS handshake failed: the coordinator may run without TLS, or rejected the client certificate)';
  }
  if (/certificate|self.signed|altname|Hostname/i.test(details)) {
    return ' (the server certificate did not verify against --tls-ca or does not name this host)';
  }
  return ' (TLS is on: check --tls-ca, and --tls-cert/--tls-key if the coordinator requires client certificates)';
}
