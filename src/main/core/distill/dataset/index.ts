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
