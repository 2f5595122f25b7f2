// Execution-accuracy evaluation (Spider test-suite rules), failure taxonomy, hardness, reports.
export * from './types'
export { resultsMatch, valueKey, MAX_PERMUTATIONS, type ResultRow } from './resultsMatch'
export { stripDistinct, hasOrderBy, joinSplitComparisons, requoteFromDqsError } from './sqlText'
export { classifySqlErrorMessage, classifyQueryError, looksLikeSql } from './failureClass'
export { computeHardness, parseSpiderSql, tokenizeSpider } from './hardness'
export { loadSpider, loadJsonl, spiderDbResolver, type EvalSet, type DbResolver, type SpiderOptions } from './inputs'
export {
  runEvaluation,
  selectItems,
  goldAsPrediction,
  prepareForExecution,
  DEFAULT_EVAL_TIMEOUT_MS,
  type Predictor,
  type EvalDatabase,
  type EvalProgress,
  type RunEvaluationOptions,
  type EvaluationRun,
} from './runner'
export { readRecords } from './resultsFile'
export { buildReport, distribution, histogram, isEvalReport, REPORT_SCHEMA_VERSION, type EvalReport, type Accuracy } from './report'
export { compareRuns, type RunComparison } from './compare'
export { renderReportHtml, renderComparisonHtml, loadChartJs } from './html'
export {
  evaluateToFolder,
  readReport,
  compareReportFiles,
  ITEMS_FILE,
  REPORT_JSON,
  REPORT_HTML,
  type FolderRun,
  type EvaluateToFolderOptions,
} from './evaluateToFolder'
export {
  registerModelPredictorFactory,
  hasModelPredictor,
  createModelPredictor,
  type ModelPredictor,
  type ModelPredictorFactory,
  type ModelPredictorOptions,
} from './predictors'
