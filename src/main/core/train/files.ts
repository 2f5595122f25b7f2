// What a training job leaves in its folder, named once: the loop writes these, and readers (the customize report)
// find them without loading the trainer.
export const JOB_FILE = 'job.json'
export const ADAPTER_FILE = 'adapter.gguf'
/** One JSON line per optimizer step: { step, epoch, loss, evalLoss?, … }. */
export const METRICS_FILE = 'metrics.jsonl'
