// Messages between a training job (parent) and its train host (child process).
import type { ApiErrorShape } from '../../../../shared/errors'
import type { ExportProgress, ExportRequest, ExportResult } from '../../export/fuse'
import type { TrainConfigInput } from '../../train/config'
import type { TrainProgress, TrainResult } from '../../../../shared/train'

// What the UI sees of training (the live chart, the result) lives in src/shared/train.ts.
export type { TrainPhase, TrainProgress, TrainResult } from '../../../../shared/train'

export type ParentMessage =
  | { type: 'start'; outDir: string; config: TrainConfigInput }
  | { type: 'resume'; outDir: string; overrides?: { threads?: number } }
  | { type: 'cancel' }
  | { type: 'export'; request: ExportRequest }

export type ChildMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'done'; result: TrainResult }
  | { type: 'cancelled'; step: number; checkpointDir: string }
  | { type: 'error'; error: ApiErrorShape }
  | { type: 'exportProgress'; progress: ExportProgress }
  | { type: 'exportDone'; result: ExportResult }
