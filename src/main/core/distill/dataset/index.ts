// The customization dataset: browse and edit a run's train/eval examples before training.
export {
  listExamples,
  updateExample,
  readSplit,
  datasetFile,
  validateExampleSql,
  type DatasetExample,
  type ExamplePatch,
  type ListOptions,
  type Split,
} from './store'
export { exportDataset, DATASET_FORMATS, PEFT_MODULES, type DatasetFormat, type DatasetExportOptions, type DatasetExportResult } from './export'
