// The `sqlstill` command line. Every command drives the same headless core as the desktop app.
import { Command, CommanderError } from 'commander'
import { createStudentPredictor } from '../core/ask/evalPredictor'
import { registerModelPredictorFactory } from '../core/eval/predictors'
import { appVersion } from './context'
import { reportError } from './output'
import { register as registerAdapter } from './commands/adapter'
import { register as registerAsk } from './commands/ask'
import { register as registerCustomize } from './commands/customize'
import { register as registerDatabase } from './commands/database'
import { register as registerDataset } from './commands/dataset'
import { register as registerEval } from './commands/eval'
import { register as registerExport } from './commands/export'
import { register as registerServe } from './commands/serve'
import { register as registerTrain } from './commands/train'

// `eval --model` predicts with the student engine; the evaluation core itself knows no engines.
registerModelPredictorFactory(createStudentPredictor)

export function buildProgram(): Command {
  const program = new Command()
    .name('sqlstill')
    .description('Offline SQL assistant with local distillation')
    .version(appVersion())
    .showHelpAfterError()
    .exitOverride()
  registerDatabase(program)
  registerAsk(program)
  registerEval(program)
  registerTrain(program)
  registerCustomize(program)
  registerDataset(program)
  registerExport(program)
  registerAdapter(program)
  registerServe(program)
  return program
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
    return reportError(err)
  }
}

// `serve` keeps running; every other command exits with its code when done.
main(process.argv).then((code) => {
  if (code !== 0) process.exit(code)
})
